"""Platform billing: plans' lifecycle for shop owners (trial, checkout, renewals, suspension).

It sits above payments and runtime (DESIGN.md, layers): it creates plan payments through
`payments.services.payment_create` and asks the runtime to stop or start a shop's bot. The data
(Plan, PlanVersion, Subscription, ...) and the read-only limits lower apps check
(`tenants.quotas`: quota_check, features, usage metering) live in tenants/, so catalog, sales
and wallet read a plan without importing upward.

- services.py  writes: subscription_start (on `tenants.signals.tenant_created`), checkout,
               payment outcomes (a `payments.registry` handler), plan changes, beat sweeps
- selectors.py reads for the Plan page and the billing banner
- notify.py    emails to the owner
"""
