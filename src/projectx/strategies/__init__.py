"""Small, documented example strategies (the demo runs :mod:`projectx.strategies.ema_cross`)."""
