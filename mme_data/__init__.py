"""Makers of data and checkpoints, built on `mme_core`: the synthetic interleaved how-to world
(`mme_data.synthetic`), the offline demo model and collection (`mme_data.build_demo`), and tiny
random-weight checkpoints of every supported family for tests (`mme_data.tiny`).

Nothing here runs when the product searches; `mme_core` never imports it.
"""
