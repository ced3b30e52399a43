"""Amounts the contract names as settings, with their defaults (pipelines/resources.py
lets an operator change them)."""

#: Minimum monthly contribution of a non-wage earner (BPU): JKK Rp10,000 + JKM Rp6,800.
BPU_MINIMUM_CONTRIBUTION_RP = 16_800
