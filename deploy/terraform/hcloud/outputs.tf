# Read by the runner with `terraform output -json`; nothing here is secret.
# Both modules give `servers` the same shape.

output "servers" {
  description = "One object per server, in index order (scaling down removes the last ones)."
  value = [
    for i, s in hcloud_server.node : {
      index        = i
      name         = s.name
      id           = tostring(s.id)
      public_ipv4  = s.ipv4_address
      public_ipv6  = s.ipv6_address
      private_ipv4 = one([for n in s.network : n.ip])
      region       = s.location
      size         = s.server_type
    }
  ]
}

output "network_id" {
  description = "ID of the private network."
  value       = hcloud_network.this.id
}

output "network_ip_range" {
  description = "IPv4 range of the private network (k3s's pod and service ranges must not overlap it)."
  value       = hcloud_network.this.ip_range
}

output "firewall_id" {
  description = "ID of the firewall attached to every server."
  value       = hcloud_firewall.nodes.id
}

output "ssh_key_id" {
  description = "ID of the installer's SSH key."
  value       = hcloud_ssh_key.installer.id
}
