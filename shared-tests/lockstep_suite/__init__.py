"""Support for the black-box suite: targets that speak HTTP to an implementation."""
