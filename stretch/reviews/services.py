"""Reviews and carrying objectives over into the next cycle."""
