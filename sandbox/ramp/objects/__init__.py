"""Ramp objects beyond card transactions (reimbursements, bills and their payments, transfers,
cashbacks, statements): the kinds table, their generators and the book that serves them."""

from sandbox.ramp.objects.book import ObjectBook
from sandbox.ramp.objects.generate import generate
from sandbox.ramp.objects.kinds import BY_SYNC_TYPE, KINDS, ObjectKind

__all__ = ["BY_SYNC_TYPE", "KINDS", "ObjectBook", "ObjectKind", "generate"]
