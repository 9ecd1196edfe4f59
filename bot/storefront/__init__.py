"""The storefront: what slash commands and buttons do — show, collect, ask the platform
(DESIGN.md rule 1). One class per concern, combined here:

- `base.StoreBase`: locks, rate limits, errors shown to the buyer, customer record, catalog;
- `threads.CartThreads`: the buyer's private cart thread;
- `checkout.CheckoutWatcher`: checkout and the watcher that edits its message;
- `catalog.CatalogAndCart`: /loja, variant picks, the cart, /meuspedidos;
- `services.ServiceOrders`: the custom-fields modal on add-to-cart, SMM services' progress
  and refills in /meuspedidos;
- `staff.StaffCommands`: /estoque, /entregar, /reembolsar, /vincular;
- `posts.ProductPosts`: /postar, /repostar and the loop that refreshes posts;
- `trust.TrustFlows`: the review DM's stars and comment modal, /aprovar;
- `credit.StoreCredit`: /saldo (balance, history, PIX top-up) and /resgatar (gift cards);
- `affiliates.Affiliates`: /afiliado (one's code and earnings, or someone's code to use);
- `memberships.Memberships`: /assinar, /assinatura, /vincular-kofi.


`Storefront` holds no business state: prices, stock, carts, coupons and orders live behind the
Bot API. It keeps only UI state (which variant a buyer picked in a select, the checkout
messages it is watching, each buyer's cart thread), a lock per buyer so double clicks run one
after the other, and a token bucket per buyer so a spammer is slowed down before the platform
is asked.

In a server text channel the cart and the checkout go to a private thread per buyer
("🛒 Carrinho · name", the platform remembers its id); where threads cannot be used (DMs, no
permission) they stay in ephemeral messages, without the buyer noticing the difference.
"""

from __future__ import annotations

from bot.storefront.affiliates import Affiliates
from bot.storefront.credit import StoreCredit
from bot.storefront.memberships import Memberships
from bot.storefront.posts import ProductPosts
from bot.storefront.services import ServiceOrders
from bot.storefront.trust import TrustFlows


class Storefront(ServiceOrders, ProductPosts, TrustFlows, StoreCredit, Affiliates,
                 Memberships):
    """Everything the bot does for its shop; see the modules above, one per concern."""


__all__ = ["Storefront"]
