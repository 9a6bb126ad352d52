# A k3s-ready node pool on DigitalOcean: one VPC, a tag that carries the
# firewall, the installer's SSH key and var.server_count Droplets. k3s itself
# is installed afterwards over SSH (issue 16's SSH installer), which should
# bind k3s to the private address (--node-ip, --flannel-iface) and pick pod and
# service ranges outside the VPC's range (output network_ip_range).

locals {
  anywhere = ["0.0.0.0/0", "::/0"]

  tags = distinct(concat(["shapeblock", digitalocean_tag.pool.id], var.tags))

  # Two IPv4 ranges overlap when their network addresses agree on the shorter
  # prefix. k3s's default pod (cluster-cidr) and service ranges:
  k3s_ranges = ["10.42.0.0/16", "10.43.0.0/16"]
  vpc_prefix = var.vpc_ip_range == null ? 0 : tonumber(split("/", var.vpc_ip_range)[1])
  vpc_overlaps_k3s = var.vpc_ip_range == null ? false : anytrue([
    for r in local.k3s_ranges :
    cidrhost("${cidrhost(var.vpc_ip_range, 0)}/${min(local.vpc_prefix, 16)}", 0) ==
    cidrhost("${cidrhost(r, 0)}/${min(local.vpc_prefix, 16)}", 0)
  ])
}

resource "digitalocean_vpc" "this" {
  name        = var.name_prefix
  region      = var.region
  ip_range    = var.vpc_ip_range
  description = "ShapeBlock node pool ${var.name_prefix}"

  # DigitalOcean refuses to delete a VPC until the deleted Droplets have
  # left it, which takes a while after they are gone; the provider retries.
  timeouts {
    delete = "10m"
  }

  lifecycle {
    precondition {
      condition     = !local.vpc_overlaps_k3s
      error_message = "vpc_ip_range overlaps k3s's pod or service range (10.42.0.0/16, 10.43.0.0/16)."
    }
  }
}

# The firewall follows this tag, so a Droplet is covered from its first boot
# and the pool may grow past the 10 Droplets a firewall can list by ID.
resource "digitalocean_tag" "pool" {
  name = "shapeblock-pool-${var.name_prefix}"
}

resource "digitalocean_ssh_key" "installer" {
  name       = var.name_prefix
  public_key = var.ssh_public_key
}

# DigitalOcean's cloud firewalls filter the VPC interface too, so the k3s
# ports are opened to the VPC's range only. Without outbound rules a
# DigitalOcean firewall drops all outgoing traffic: allow it all.
resource "digitalocean_firewall" "nodes" {
  name = var.name_prefix
  tags = [digitalocean_tag.pool.id]

  inbound_rule {
    protocol         = "tcp"
    port_range       = "22"
    source_addresses = var.ssh_allowed_cidrs
  }

  inbound_rule {
    protocol         = "tcp"
    port_range       = "6443"
    source_addresses = var.api_allowed_cidrs
  }

  inbound_rule {
    protocol         = "tcp"
    port_range       = "80"
    source_addresses = local.anywhere
  }

  inbound_rule {
    protocol         = "tcp"
    port_range       = "443"
    source_addresses = local.anywhere
  }

  inbound_rule {
    protocol         = "icmp"
    source_addresses = local.anywhere
  }

  # kubelet (metrics, logs, exec) between nodes
  inbound_rule {
    protocol         = "tcp"
    port_range       = "10250"
    source_addresses = [digitalocean_vpc.this.ip_range]
  }

  # embedded etcd between servers (HA)
  inbound_rule {
    protocol         = "tcp"
    port_range       = "2379-2380"
    source_addresses = [digitalocean_vpc.this.ip_range]
  }

  # embedded registry mirror (spegel) between nodes
  inbound_rule {
    protocol         = "tcp"
    port_range       = "5001"
    source_addresses = [digitalocean_vpc.this.ip_range]
  }

  # flannel VXLAN between nodes
  inbound_rule {
    protocol         = "udp"
    port_range       = "8472"
    source_addresses = [digitalocean_vpc.this.ip_range]
  }

  # flannel WireGuard (IPv4, IPv6) between nodes
  inbound_rule {
    protocol         = "udp"
    port_range       = "51820-51821"
    source_addresses = [digitalocean_vpc.this.ip_range]
  }

  outbound_rule {
    protocol              = "tcp"
    port_range            = "1-65535"
    destination_addresses = local.anywhere
  }

  outbound_rule {
    protocol              = "udp"
    port_range            = "1-65535"
    destination_addresses = local.anywhere
  }

  outbound_rule {
    protocol              = "icmp"
    destination_addresses = local.anywhere
  }
}

resource "digitalocean_droplet" "node" {
  count = var.server_count

  name     = format("%s-%d", var.name_prefix, count.index + 1)
  size     = var.size
  image    = var.image
  region   = var.region
  vpc_uuid = digitalocean_vpc.this.id
  ssh_keys = [digitalocean_ssh_key.installer.fingerprint]
  tags     = local.tags
  ipv6     = true

  # Memory is for the user's apps: no monitoring agent, no web-console agent.
  monitoring    = false
  droplet_agent = false

  lifecycle {
    # Both would replace every Droplet: a new installer key is rolled out by
    # the installer over SSH, and a new image applies to Droplets created
    # afterwards. Nodes are only ever removed by scaling down (drained first).
    ignore_changes = [ssh_keys, image]
  }
}
