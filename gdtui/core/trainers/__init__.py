"""The four training variants of the seed notebooks, behind one protocol and one registry."""

from gdtui.core.trainers.registry import VARIANT_NAMES, VARIANTS, Variant, create_trainer

__all__ = ["VARIANTS", "VARIANT_NAMES", "Variant", "create_trainer"]
