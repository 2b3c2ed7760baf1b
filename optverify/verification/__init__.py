"""The verification wing: strategies, properties, the verifier and the seed's claims ledger.

Hypothesis is imported here and nowhere below this wing.
"""
