"""Federated queries: one read-only query over tables of several registered databases."""
