"""embodb: an embedded multimodal database for robots and embodied AI."""
