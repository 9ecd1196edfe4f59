"""What the bot puts on screen: embeds, views and persistent components, by concern.

- `catalog`: product cards, their variant select and buttons, the staff's stock list;
- `cart`: the cart embed and its quantity buttons;
- `orders`: the checkout message, its outcome, /meuspedidos;
- `components`: the `DynamicItem`s whose custom_id carries the ids they need
  (`vt:buy:<product>[:<variant picked>]`, `vt:qty:<variant>:<quantity>`,
  `vt:checkout:<total the buyer saw>`), so messages keep working after the bot restarts.

Everything shown comes ready from the Bot API (amounts, status labels, stage, allowed
actions); these modules only lay it out.
"""
