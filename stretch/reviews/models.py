"""Mid-cycle and end-of-cycle reviews."""
