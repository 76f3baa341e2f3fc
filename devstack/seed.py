"""Seed data for the local stage only: an operator, a demo customer with an app, a
balance, prices, country rules, a sender and a signature."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.config import settings
from chalicelib.domain.money import parse_amount
from chalicelib.services import apps, billing, catalog, directory
from chalicelib.services.identity import Caller, find_user

OPERATOR = ("ops@jmc.local", "jmc-ops-local")
DEMO_OWNER = ("demo@jmc.local", "jmc-demo-local")

DEFAULT_PRICES = {"CN": "0.0350", "HK": "0.0450", "MO": "0.0450", "TW": "0.0500", "SG": "0.0300",
                  "US": "0.0079", "GB": "0.0400", "DE": "0.0800", "JP": "0.0700", "IN": "0.0050",
                  "ID": "0.0350", "MY": "0.0250", "TH": "0.0200", "PH": "0.0200", "VN": "0.0300"}
COUNTRY_RULES = {"CN": {"sender_id_allowed": False, "sender_preapproval_required": True},
                 "US": {"sender_id_allowed": False, "sender_preapproval_required": True},
                 "SG": {"sender_preapproval_required": True},
                 "IN": {"sender_preapproval_required": True}}


@dataclass
class Seeded:
    demo_account_id: str
    app_key: str
    app_secret: str


def seed() -> Seeded | None:
    """Create the seed data once; returns None when it is already there."""
    assert settings().is_local, "seed data is for the local stage only"
    if find_user(OPERATOR[0]) is not None:
        return None
    operator_account = directory.create_bare_account("JMC Operations", operator=True)
    directory.seed_user(operator_account, OPERATOR[0], "JMC Operator", "operator", OPERATOR[1])
    for country, price in DEFAULT_PRICES.items():
        catalog.set_price(country, price, "seed")
    for country, rule in COUNTRY_RULES.items():
        catalog.set_country_rule(country, rule, "seed")

    demo = directory.create_bare_account("Demo Co")
    owner = directory.seed_user(demo, DEMO_OWNER[0], "Demo Owner", "owner", DEMO_OWNER[1])
    billing.top_up(demo, parse_amount("100.00"), "seed-opening-balance", "seed")
    catalog.set_price("CN", "0.0300", "seed", account_id=demo.account_id)
    catalog.add_sender(demo.account_id, {"type": "sender_id", "value": "JMCDemo", "countries": ["GB", "HK", "SG"]})
    catalog.add_sender(demo.account_id, {"type": "number", "value": "+14155550100", "countries": ["US", "CN"]})
    catalog.add_signature(demo.account_id, {"text": "锦木科技"})
    app, secret = apps.create_app(Caller("user", demo.account_id, user_id=owner.user_id, role="owner"), "Demo App")
    return Seeded(demo.account_id, app.app_key, secret)
