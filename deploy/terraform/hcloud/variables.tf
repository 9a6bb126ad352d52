# Inputs of the Hetzner Cloud node pool. The runner writes every value except
# the token to terraform.tfvars.json; the token arrives as TF_VAR_hcloud_token
# from a Secret and is never written to a file, a log or an output.

variable "hcloud_token" {
  description = "Hetzner Cloud API token (read/write) of the project the pool lives in."
  type        = string
  sensitive   = true
  nullable    = false

  validation {
    condition     = length(trimspace(var.hcloud_token)) > 0
    error_message = "The Hetzner Cloud API token is empty."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name; servers are <prefix>-1, <prefix>-2, ... (a DNS label, at most 40 characters)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", var.name_prefix))
    error_message = "name_prefix must be 1 to 40 lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "server_count" {
  description = "Number of servers in the pool. Scaling down removes the highest-numbered servers: drain them first."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.server_count >= 1 && var.server_count <= 50 && floor(var.server_count) == var.server_count
    error_message = "server_count must be a whole number from 1 to 50."
  }
}

variable "server_type" {
  description = "Hetzner Cloud server type (cx23: 2 vCPU, 4 GB RAM, the single-tenant design target)."
  type        = string
  default     = "cx23"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+[0-9]+[a-z]*$", var.server_type))
    error_message = "server_type must be a Hetzner Cloud server type name such as cx23, cpx32 or cax21."
  }
}

variable "location" {
  description = "Hetzner Cloud location of the servers (fsn1, nbg1, hel1, ash, hil, sin)."
  type        = string
  default     = "fsn1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+[0-9]*$", var.location))
    error_message = "location must be a Hetzner Cloud location name such as fsn1."
  }
}

variable "network_zone" {
  description = "Network zone of the subnet; null derives it from the location (eu-central, us-east, us-west, ap-southeast)."
  type        = string
  default     = null
}

variable "image" {
  description = "Image name or ID the servers boot. Changing it affects servers created afterwards only."
  type        = string
  default     = "debian-12"
  nullable    = false
}

variable "labels" {
  description = "Extra labels on every resource (managed-by and shapeblock-pool are always set)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([
      for k, v in var.labels :
      can(regex("^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", k)) &&
      can(regex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$", v))
    ])
    error_message = "labels must follow Hetzner's label syntax (keys and values of at most 63 letters, digits, '-', '_' and '.', an optional DNS prefix with '/' in keys)."
  }
}

variable "ssh_public_key" {
  description = "OpenSSH public key installed for root; the installer connects with its private half. Must be unique in the Hetzner project."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\\.com) [A-Za-z0-9+/]+={0,3}( [^\\r\\n]*)?$", chomp(var.ssh_public_key)))
    error_message = "ssh_public_key must be one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa-sha2-*), not a private key."
  }
}

variable "ssh_allowed_cidrs" {
  description = "CIDRs allowed to reach SSH (port 22): the host cluster's egress addresses and the operators' own."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.ssh_allowed_cidrs) > 0 && alltrue([for c in var.ssh_allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "ssh_allowed_cidrs must hold at least one CIDR (e.g. 203.0.113.7/32)."
  }
}

variable "api_allowed_cidrs" {
  description = "CIDRs allowed to reach the Kubernetes API (port 6443)."
  type        = list(string)
  default     = ["0.0.0.0/0", "::/0"]
  nullable    = false

  validation {
    condition     = length(var.api_allowed_cidrs) > 0 && alltrue([for c in var.api_allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "api_allowed_cidrs must hold at least one CIDR."
  }
}

variable "network_ip_range" {
  description = "Private network range. Must not overlap k3s's pod (10.42.0.0/16) and service (10.43.0.0/16) ranges."
  type        = string
  default     = "10.0.0.0/16"
  nullable    = false

  validation {
    condition     = can(cidrnetmask(var.network_ip_range))
    error_message = "network_ip_range must be an IPv4 CIDR (overlap with k3s's ranges is checked before anything is created)."
  }
}

variable "subnet_ip_range" {
  description = "Subnet of network_ip_range the servers get their private addresses from."
  type        = string
  default     = "10.0.1.0/24"
  nullable    = false

  validation {
    condition     = can(cidrnetmask(var.subnet_ip_range))
    error_message = "subnet_ip_range must be an IPv4 CIDR (that it lies inside network_ip_range is checked before anything is created)."
  }
}
