# Inputs of the DigitalOcean node pool. The runner writes every value except
# the token to terraform.tfvars.json; the token arrives as
# TF_VAR_digitalocean_token from a Secret and is never written to a file, a
# log or an output.

variable "digitalocean_token" {
  description = "DigitalOcean API token (read/write) of the team the pool lives in."
  type        = string
  sensitive   = true
  nullable    = false

  validation {
    condition     = length(trimspace(var.digitalocean_token)) > 0
    error_message = "The DigitalOcean API token is empty."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name; Droplets are <prefix>-1, <prefix>-2, ... (a DNS label, at most 40 characters)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", var.name_prefix))
    error_message = "name_prefix must be 1 to 40 lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "server_count" {
  description = "Number of Droplets in the pool. Scaling down removes the highest-numbered Droplets: drain them first."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.server_count >= 1 && var.server_count <= 50 && floor(var.server_count) == var.server_count
    error_message = "server_count must be a whole number from 1 to 50."
  }
}

variable "size" {
  description = "Droplet size slug (s-2vcpu-4gb: 2 vCPU, 4 GB RAM, the single-tenant design target)."
  type        = string
  default     = "s-2vcpu-4gb"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]*$", var.size))
    error_message = "size must be a Droplet size slug such as s-2vcpu-4gb."
  }
}

variable "region" {
  description = "DigitalOcean region slug of the Droplets and the VPC (fra1, ams3, nyc3, ...)."
  type        = string
  default     = "fra1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+[0-9]$", var.region))
    error_message = "region must be a DigitalOcean region slug such as fra1."
  }
}

variable "image" {
  description = "Image slug or ID the Droplets boot. Changing it affects Droplets created afterwards only."
  type        = string
  default     = "debian-12-x64"
  nullable    = false
}

variable "tags" {
  description = "Extra tags on every Droplet (shapeblock and shapeblock-pool-<prefix> are always set)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for t in var.tags : can(regex("^[a-zA-Z0-9:_-]{1,255}$", t))])
    error_message = "tags may hold letters, digits, ':', '-' and '_' only (at most 255 characters each)."
  }
}

variable "ssh_public_key" {
  description = "OpenSSH public key installed for root; the installer connects with its private half. Must be unique in the DigitalOcean team."
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

variable "vpc_ip_range" {
  description = "VPC range (/16 to /24, RFC 1918, unique in the team); null lets DigitalOcean pick a free /20. Must not overlap k3s's 10.42.0.0/16 and 10.43.0.0/16."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_ip_range == null || can(cidrnetmask(var.vpc_ip_range))
    error_message = "vpc_ip_range must be an IPv4 CIDR or null."
  }
}
