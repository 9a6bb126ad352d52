# A k3s-ready node pool on Hetzner Cloud: one private network with one subnet,
# a firewall, the installer's SSH key and var.server_count servers. k3s itself
# is installed afterwards over SSH (issue 16's SSH installer), which should
# bind k3s to the private address (--node-ip, --flannel-iface) and pick pod and
# service ranges outside network_ip_range.

locals {
  # The network zone a subnet must be in, by location.
  network_zones = {
    fsn1 = "eu-central"
    nbg1 = "eu-central"
    hel1 = "eu-central"
    ash  = "us-east"
    hil  = "us-west"
    sin  = "ap-southeast"
  }
  network_zone = var.network_zone != null ? var.network_zone : lookup(local.network_zones, var.location, "")

  # User labels first: ours win on a clash.
  labels = merge(var.labels, {
    "managed-by"      = "shapeblock"
    "shapeblock-pool" = var.name_prefix
  })

  anywhere = ["0.0.0.0/0", "::/0"]

  # Two IPv4 ranges overlap when their network addresses agree on the shorter
  # prefix. k3s's default pod (cluster-cidr) and service ranges:
  k3s_ranges     = ["10.42.0.0/16", "10.43.0.0/16"]
  network_prefix = tonumber(split("/", var.network_ip_range)[1])
  subnet_prefix  = tonumber(split("/", var.subnet_ip_range)[1])
  network_overlaps_k3s = anytrue([
    for r in local.k3s_ranges :
    cidrhost("${cidrhost(var.network_ip_range, 0)}/${min(local.network_prefix, 16)}", 0) ==
    cidrhost("${cidrhost(r, 0)}/${min(local.network_prefix, 16)}", 0)
  ])
  subnet_in_network = local.subnet_prefix >= local.network_prefix && (
    cidrhost("${cidrhost(var.subnet_ip_range, 0)}/${local.network_prefix}", 0) == cidrhost(var.network_ip_range, 0)
  )
}

resource "hcloud_network" "this" {
  name     = var.name_prefix
  ip_range = var.network_ip_range
  labels   = local.labels

  lifecycle {
    precondition {
      condition     = !local.network_overlaps_k3s
      error_message = "network_ip_range overlaps k3s's pod or service range (10.42.0.0/16, 10.43.0.0/16)."
    }
  }
}

resource "hcloud_network_subnet" "nodes" {
  network_id   = hcloud_network.this.id
  type         = "cloud"
  network_zone = local.network_zone
  ip_range     = var.subnet_ip_range

  lifecycle {
    precondition {
      condition     = local.network_zone != ""
      error_message = "Unknown location for the network zone lookup: set network_zone."
    }
    precondition {
      condition     = local.subnet_in_network
      error_message = "subnet_ip_range must lie inside network_ip_range."
    }
  }
}

resource "hcloud_ssh_key" "installer" {
  name       = var.name_prefix
  public_key = var.ssh_public_key
  labels     = local.labels
}

# Hetzner firewalls filter the public interfaces only; traffic on the private
# network is not filtered. The k3s ports are therefore never opened to the
# internet, and the rules naming the private network document (and keep
# allowing) what k3s needs between the nodes.
resource "hcloud_firewall" "nodes" {
  name   = var.name_prefix
  labels = local.labels

  rule {
    description = "SSH for the ShapeBlock installer"
    direction   = "in"
    protocol    = "tcp"
    port        = "22"
    source_ips  = var.ssh_allowed_cidrs
  }

  rule {
    description = "Kubernetes API"
    direction   = "in"
    protocol    = "tcp"
    port        = "6443"
    source_ips  = var.api_allowed_cidrs
  }

  rule {
    description = "HTTP (Traefik)"
    direction   = "in"
    protocol    = "tcp"
    port        = "80"
    source_ips  = local.anywhere
  }

  rule {
    description = "HTTPS (Traefik)"
    direction   = "in"
    protocol    = "tcp"
    port        = "443"
    source_ips  = local.anywhere
  }

  rule {
    description = "ICMP (path MTU discovery, ping)"
    direction   = "in"
    protocol    = "icmp"
    source_ips  = local.anywhere
  }

  rule {
    description = "kubelet (metrics, logs, exec) between nodes"
    direction   = "in"
    protocol    = "tcp"
    port        = "10250"
    source_ips  = [var.network_ip_range]
  }

  rule {
    description = "embedded etcd between servers (HA)"
    direction   = "in"
    protocol    = "tcp"
    port        = "2379-2380"
    source_ips  = [var.network_ip_range]
  }

  rule {
    description = "embedded registry mirror (spegel) between nodes"
    direction   = "in"
    protocol    = "tcp"
    port        = "5001"
    source_ips  = [var.network_ip_range]
  }

  rule {
    description = "flannel VXLAN between nodes"
    direction   = "in"
    protocol    = "udp"
    port        = "8472"
    source_ips  = [var.network_ip_range]
  }

  rule {
    description = "flannel WireGuard (IPv4, IPv6) between nodes"
    direction   = "in"
    protocol    = "udp"
    port        = "51820-51821"
    source_ips  = [var.network_ip_range]
  }
}

resource "hcloud_server" "node" {
  count = var.server_count

  name         = format("%s-%d", var.name_prefix, count.index + 1)
  server_type  = var.server_type
  image        = var.image
  location     = var.location
  ssh_keys     = [hcloud_ssh_key.installer.id]
  firewall_ids = [hcloud_firewall.nodes.id]
  labels       = local.labels

  public_net {
    ipv4_enabled = true
    ipv6_enabled = true
  }

  network {
    subnet_id = hcloud_network_subnet.nodes.id
    # Without it Terraform >= 1.4 detaches and re-attaches the network on
    # every apply (terraform-provider-hcloud#650).
    alias_ips = []
  }

  lifecycle {
    # Both would replace every server: a new installer key is rolled out by
    # the installer over SSH, and a new image applies to servers created
    # afterwards. Nodes are only ever removed by scaling down (drained first).
    ignore_changes = [ssh_keys, image]
  }
}
