"""Vonage-compatible carrier simulator: the local stand-in for Vonage's SMS API.

Production reaches Vonage over HTTP at ``POST /sms/json``; locally and in tests the
platform points the same client at this simulator instead. Besides the SMS endpoint it
offers test-only ``/_sim/*`` endpoints to inspect what was "sent" and to inject faults.

    sim = CarrierSimulator(api_key="k", api_secret="s")
    sim.start()          # serves on a free port in a daemon thread
    ...  sim.url ...     # e.g. "http://127.0.0.1:54321"
    sim.stop()

The endpoints, config keys and status codes: docs/carrier-simulator.md.
"""
from carrier_sim.server import CarrierSimulator
from carrier_sim.sms_models import segment_count

__all__ = ["CarrierSimulator", "segment_count"]
