# Read by the runner with `terraform output -json`; nothing here is secret.
# Both modules give `servers` the same shape.

output "servers" {
  description = "One object per Droplet, in index order (scaling down removes the last ones)."
  value = [
    for i, d in digitalocean_droplet.node : {
      index        = i
      name         = d.name
      id           = tostring(d.id)
      public_ipv4  = d.ipv4_address
      public_ipv6  = d.ipv6_address
      private_ipv4 = d.ipv4_address_private
      region       = d.region
      size         = d.size
    }
  ]
}

output "network_id" {
  description = "ID (UUID) of the VPC."
  value       = digitalocean_vpc.this.id
}

output "network_ip_range" {
  description = "IPv4 range of the VPC (k3s's pod and service ranges must not overlap it)."
  value       = digitalocean_vpc.this.ip_range
}

output "firewall_id" {
  description = "ID of the firewall that covers every Droplet of the pool (through the pool tag)."
  value       = digitalocean_firewall.nodes.id
}

output "ssh_key_id" {
  description = "ID of the installer's SSH key."
  value       = tostring(digitalocean_ssh_key.installer.id)
}
