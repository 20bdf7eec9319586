"""The demo dataset: specifications, generation, and loading through the services."""

from gateway.demo.dataset import build_dataset
from gateway.demo.load import load_demo
from gateway.demo.records import DemoSummary
from gateway.demo.specs import ADMIN_MEMBER_ID, ADMIN_ORG_ID, DEMO_ORG_IDS, HISTORY_MONTHS

__all__ = [
    "ADMIN_MEMBER_ID",
    "ADMIN_ORG_ID",
    "DEMO_ORG_IDS",
    "HISTORY_MONTHS",
    "DemoSummary",
    "build_dataset",
    "load_demo",
]
