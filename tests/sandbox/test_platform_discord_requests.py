"""What the platform's fulfillment client sends to Discord fits Discord's OpenAPI spec.

`sales.fulfillment.discord_rest` (discord.py's HTTPClient with the tenant's token) runs every
call it makes in production against the sandbox; the bodies the sandbox received are validated
against the spec's request schemas and its answers against the response schemas (the same
checks as test_discord_contract.py). Needs Django settings, hence not a `test_discord_*` file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sales.fulfillment import discord_rest
from sandbox.discord.testing import DiscordSandbox
from tests.sandbox.test_discord_contract import (
    SPEC_ROUTES,
    request_problems,
    response_problems,
    spec_operation,
)


@pytest.fixture
def sb() -> Iterator[DiscordSandbox]:
    with DiscordSandbox() as sandbox:
        yield sandbox


def test_fulfillment_requests_fit_the_spec(sb: DiscordSandbox, settings) -> None:
    settings.DISCORD_API_BASE_URL = f"{sb.url}/api"
    app = sb.create_application("Loja Bot")
    buyer = sb.create_user("alice")
    guild = sb.create_guild("Loja", [app["id"]])
    sb.add_member(guild["id"], buyer["id"])
    role = sb.create_role(guild["id"], "VIP")
    channel_id, token = guild["channels"][0]["id"], app["token"]

    discord_rest.send_dm(token=token, user_id=buyer["id"], content="Sua chave: ABC-123")
    thread_id = discord_rest.send_in_private_thread(
        token=token, channel_id=channel_id, user_id=buyer["id"], name="pedido-42",
        content="Pagamento aprovado\n" + "linha\n" * 400)
    discord_rest.send_message(token=token, channel_id=thread_id, content="Entregue",
                              mention=buyer["id"])
    discord_rest.add_role(token=token, guild_id=guild["id"], user_id=buyer["id"],
                          role_id=role["id"], reason="pedido 42")
    discord_rest.remove_role(token=token, guild_id=guild["id"], user_id=buyer["id"],
                             role_id=role["id"])
    assert discord_rest.role_name(token=token, guild_id=guild["id"], role_id=role["id"]) == "VIP"

    exchanges = [e for e in sb.exchanges() if (e["method"], e["route"]) in SPEC_ROUTES]
    assert all(e["status"] < 400 for e in exchanges), exchanges
    bodies = [e for e in exchanges if spec_operation(e).request_schema() is not None]
    assert {(e["method"], e["route"]) for e in bodies} == {
        ("POST", "/users/@me/channels"), ("POST", "/channels/{channel_id}/messages"),
        ("POST", "/channels/{channel_id}/threads")}
    problems = [p for e in bodies for p in request_problems(e)]
    problems += [p for e in exchanges for p in response_problems(e)]
    assert not problems, "\n".join(problems)
