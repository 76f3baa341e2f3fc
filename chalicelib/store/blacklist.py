"""Blacklists, per application (app key): one partition per app, ``sk = N#<E.164>`` for a
number and ``C#<ISO country>`` for a whole country. A send checks both keys with one
BatchGetItem; a bulk task reads the app's countries once and its numbers 100 at a time."""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from .base import table_meta, utcnow

NUMBER = "N"
COUNTRY = "C"


class BlacklistEntry(Model):
    Meta = table_meta("blacklist")
    pk = UnicodeAttribute(hash_key=True)  # app id
    sk = UnicodeAttribute(range_key=True)  # N#<E.164> | C#<country>
    account_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)

    @property
    def app_id(self) -> str:
        return self.pk

    @property
    def kind(self) -> str:
        return self.sk.split("#", 1)[0]

    @property
    def value(self) -> str:
        return self.sk.split("#", 1)[1]

    @property
    def public_id(self) -> str:
        """``N.<app id>.<digits>`` / ``C.<app id>.<country>``: names the item's key."""
        return f"{self.kind}.{self.app_id}.{self.value.lstrip('+')}"


def entry_key(kind: str, value: str) -> str:
    return f"{kind}#{value}"
