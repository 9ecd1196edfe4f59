"""Memberships: recurring role subscriptions paid by PIX or card, and Ko-fi supporters.

A seller feature above sales (DESIGN.md rule 6): it reacts to payments through
payments.registry and grants roles through sales.fulfillment's Discord REST wrapper.
"""
