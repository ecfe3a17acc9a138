"""Planning on the network: virtual datacenters, placement of training and inference."""

__all__: list[str] = []
