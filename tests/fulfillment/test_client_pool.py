"""The per-process pool of logged-in discord.py clients behind fulfillment's Discord calls.

Real discord.py HTTP clients against the in-process Discord sandbox: one login per bot token
however many calls, never a client shared between two tokens, a bound on how many are kept,
a refused token dropped, and a forked worker child building its own pool.
"""

from __future__ import annotations

import multiprocessing

import pytest

from sales.fulfillment import discord_pool, discord_rest


@pytest.fixture
def bots(sandbox, settings):
    sandbox.reset()
    settings.DISCORD_API_BASE_URL = f"{sandbox.url}/api"
    out = []
    for name in ("Loja Um", "Loja Dois", "Loja Tres"):
        app = sandbox.create_application(f"{name} Bot")
        app["guild_id"] = sandbox.create_guild(name, [app["id"]])["id"]
        out.append(app)
    return out


def member(sandbox, bots, username: str) -> dict:
    """A buyer in every shop's server (Discord lets a bot DM only users it shares one with)."""
    user = sandbox.create_user(username)
    for bot in bots:
        sandbox.add_member(bot["guild_id"], user["id"])
    return user


@pytest.fixture
def pool(monkeypatch):
    """A fresh pool standing in for this process's one (closed afterwards)."""
    fresh = discord_pool.ClientPool(max_clients=2)
    monkeypatch.setattr(discord_pool, "pool", lambda: fresh)
    yield fresh
    fresh.close()


def logins(sandbox) -> int:
    return sum(1 for x in sandbox.exchanges() if (x["method"], x["path"]) == ("GET", "/users/@me"))


def test_calls_for_one_token_share_one_login(sandbox, bots, pool):
    buyer = member(sandbox, bots, "bia")
    sandbox.clear_exchanges()
    for n in range(3):
        discord_rest.send_dm(token=bots[0]["token"], user_id=buyer["id"], content=f"key {n}")
    assert [m["content"] for m in sandbox.dms(buyer["id"])] == ["key 0", "key 1", "key 2"]
    assert (pool.logins, pool.size(), logins(sandbox)) == (1, 1, 1)


def test_each_token_gets_its_own_client(sandbox, bots, pool):
    buyer = member(sandbox, bots, "caio")
    discord_rest.send_dm(token=bots[0]["token"], user_id=buyer["id"], content="from one")
    discord_rest.send_dm(token=bots[1]["token"], user_id=buyer["id"], content="from two")
    authors = {m["content"]: m["author"]["id"] for m in sandbox.dms(buyer["id"])}
    # Each DM was sent with its own shop's token: the author is that shop's bot.
    assert authors == {"from one": bots[0]["id"], "from two": bots[1]["id"]}
    assert (pool.logins, pool.size()) == (2, 2)


def test_the_pool_is_bounded_least_recently_used_first_out(sandbox, bots, pool):
    buyer = member(sandbox, bots, "duda")
    one, two, three = (b["token"] for b in bots)
    for token in (one, two, one, three):  # `two` is the least recently used when `three` comes
        discord_rest.send_dm(token=token, user_id=buyer["id"], content="hi")
    assert (pool.logins, pool.size()) == (3, 2)
    discord_rest.send_dm(token=one, user_id=buyer["id"], content="still pooled")
    assert pool.logins == 3
    discord_rest.send_dm(token=two, user_id=buyer["id"], content="logs in again")
    assert (pool.logins, pool.size()) == (4, 2)
    assert len(sandbox.dms(buyer["id"])) == 6


def test_a_refused_token_is_dropped_and_reported_as_permanent(sandbox, bots, pool):
    buyer = member(sandbox, bots, "edu")
    token = bots[0]["token"]
    discord_rest.send_dm(token=token, user_id=buyer["id"], content="hi")
    assert pool.size() == 1
    sandbox.reset()  # every token the sandbox gave is now unknown: Discord answers 401
    with pytest.raises(discord_rest.DiscordError) as refused:
        discord_rest.send_dm(token=token, user_id=buyer["id"], content="again")
    assert (refused.value.permanent, refused.value.code) == (True, discord_rest.UNAUTHORIZED)
    assert pool.size() == 0  # not kept: a rotated token logs in anew
    with pytest.raises(discord_rest.DiscordError):  # and a login that fails is not kept either
        discord_rest.send_dm(token="not-a-token", user_id=buyer["id"], content="x")
    assert pool.size() == 0


def _send_in_child(token: str, user_id: str, parent_pool_id: int, out) -> None:
    child_pool = discord_pool.pool()
    discord_rest.send_dm(token=token, user_id=user_id, content="from a forked child")
    out.put((id(child_pool) != parent_pool_id, child_pool.logins))


def test_a_forked_worker_child_builds_its_own_pool(sandbox, bots, settings):
    """Celery's prefork children are forked from a parent that may have used the pool: a loop
    thread does not survive fork, so the child must not reuse the parent's."""
    buyer = member(sandbox, bots, "fabi")
    token = bots[0]["token"]
    parent = discord_pool.pool()
    discord_rest.send_dm(token=token, user_id=buyer["id"], content="from the parent")
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_send_in_child, args=(token, buyer["id"], id(parent), out))
    child.start()
    own_pool, child_logins = out.get(timeout=30)
    child.join(30)
    assert child.exitcode == 0 and own_pool and child_logins == 1
    assert [m["content"] for m in sandbox.dms(buyer["id"])] == ["from the parent",
                                                                "from a forked child"]
