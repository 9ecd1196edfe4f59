"""Fulfillment: deliveries performed by Celery workers through Discord's REST API.

`discord_rest` is the only module that talks to Discord; `services` claims and performs work;
`enqueue` schedules it after commit. Import services from `sales.fulfillment.services`.
"""
