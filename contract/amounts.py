"""Amounts the contract names as settings, with their defaults (pipelines/resources.py
lets an operator change them)."""

#: Minimum monthly contribution of a non-wage earner (BPU): JKK Rp10,000 + JKM Rp6,800.
BPU_MINIMUM_CONTRIBUTION_RP = 16_800

#: JKM death benefit: Rp42 million in total for a participant's family (lump sum, funeral
#: cost and periodic allowance); what an uncovered worker's family would not receive.
JKM_DEATH_BENEFIT_RP = 42_000_000
