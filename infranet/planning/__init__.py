"""Planning on a topology: where training jobs run (placement)."""

__all__: list[str] = []
