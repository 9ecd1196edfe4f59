"""A person in the buyer console: runs a bot's slash command and clicks its button in chromium.

The bot is the real discord.py client, in its own thread and event loop; the page is the
sandbox's console in Debian's chromium through Playwright.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import discord
import pytest
from discord import app_commands

from sandbox.discord.testing import DiscordSandbox, point_discord_py_at, running_client

pytestmark = pytest.mark.browser
TIMEOUT = 15


class BuyView(discord.ui.View):
    def __init__(self, clicked: threading.Event) -> None:
        super().__init__(timeout=None)
        self.clicked = clicked

    @discord.ui.button(label="Comprar", style=discord.ButtonStyle.green, custom_id="buy:1")
    async def buy(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="Pedido criado!", embed=None, view=None)
        self.clicked.set()


class ShopBot(threading.Thread):
    """discord.py in a thread: Playwright's sync API owns the main thread's event loop."""

    def __init__(self, token: str) -> None:
        super().__init__(daemon=True)
        self.token = token
        self.ready, self.clicked = threading.Event(), threading.Event()
        self.failure: BaseException | None = None
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None

    def run(self) -> None:
        try:
            self.loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to the test, which fails with it
            self.failure = exc
            self.ready.set()

    async def _main(self) -> None:
        self.stop_event = asyncio.Event()
        client = discord.Client(intents=discord.Intents.default())
        tree = app_commands.CommandTree(client)

        @tree.command(name="loja", description="Mostra a loja")
        async def loja(interaction: discord.Interaction) -> None:
            embed = discord.Embed(title="Chave Steam", description="R$ 25,00")
            await interaction.response.send_message(embed=embed, view=BuyView(self.clicked))

        async with running_client(client, self.token):
            await tree.sync()
            self.ready.set()
            await self.stop_event.wait()

    def stop(self) -> None:
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.join(timeout=TIMEOUT)


@pytest.fixture
def world() -> Iterator[tuple[DiscordSandbox, ShopBot, dict]]:
    with DiscordSandbox() as sandbox:
        undo = point_discord_py_at(sandbox.url)
        app = sandbox.create_application("Loja Bot")
        buyer = sandbox.create_user("alice", global_name="Alice Compradora")
        guild = sandbox.create_guild("Servidor da Loja", [app["id"]])
        sandbox.add_member(guild["id"], buyer["id"])
        bot = ShopBot(app["token"])
        bot.start()
        try:
            assert bot.ready.wait(TIMEOUT), "bot never became ready"
            if bot.failure:
                raise bot.failure
            yield sandbox, bot, buyer
        finally:
            bot.stop()
            undo()


def test_person_runs_a_command_and_clicks_the_bots_button(world, page, screenshot):
    sandbox, bot, buyer = world
    page.goto(f"{sandbox.url}/console")
    page.locator("#guild").select_option(label="Servidor da Loja")
    page.locator("#user").select_option(value=str(buyer["id"]))
    page.locator("#command option", has_text="/loja").wait_for(state="attached")
    page.click("#run")
    page.get_by_text("Chave Steam").wait_for()
    screenshot(page, "console-command")
    page.get_by_role("button", name="Comprar").click()
    page.get_by_text("Pedido criado!").wait_for()
    assert bot.clicked.is_set()
    assert page.get_by_role("button", name="Comprar").count() == 0
    screenshot(page, "console-after-click")
