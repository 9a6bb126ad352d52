# Terraform and provider versions, pinned exactly (deploy/versions.env holds the
# same numbers; tests/deploy/terraform checks that they agree).
#
# The state lives in a Secret of the host cluster (Kubernetes backend, locked
# with a Lease). The block stays empty on purpose: the runner Job passes
# secret_suffix, namespace and in_cluster_config with -backend-config at
# `terraform init` (see ../README.md).
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "2.99.1"
    }
  }

  backend "kubernetes" {}
}

provider "digitalocean" {
  token = var.digitalocean_token
}
