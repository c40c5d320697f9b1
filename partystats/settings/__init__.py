"""Settings are split: base (shared), local (development), test, production."""
