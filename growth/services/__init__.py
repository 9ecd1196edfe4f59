"""Growth's writes, one module per concern: events (the funnel and its rollups), settings,
recovery (abandoned carts), feed (the public sales feed), roles (the customer role) and
welcome (new members)."""
