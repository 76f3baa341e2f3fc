"""Use cases: each module owns one product area and talks to the store and AWS."""
