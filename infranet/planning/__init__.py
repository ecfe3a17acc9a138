"""Planning: virtual datacenters, training placement, replica placement."""

__all__: list[str] = []
