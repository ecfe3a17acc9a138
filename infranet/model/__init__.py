"""The graph core: the schema of topology files and the immutable Topology."""

from infranet.model.schema import LINK_KINDS, SITE_KINDS
from infranet.model.topology import Compiled, Topology

__all__ = ["LINK_KINDS", "SITE_KINDS", "Compiled", "Topology"]
