"""The slash commands (/loja, /carrinho, ... /reembolsar, /aprovar, /notificacoes) wired to the
storefront (bot/storefront/), which does the work; buttons and selects are in
bot/ui/components.py."""

from __future__ import annotations

import discord
from discord import app_commands

from bot import growth
from bot.i18n import t
from bot.storefront import Storefront

__all__ = ["Storefront", "build_tree"]


def build_tree(client: discord.Client, store: Storefront) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    loc = store.locale

    @tree.command(name="loja", description=t(loc, "cmd_loja"))
    async def loja(interaction: discord.Interaction) -> None:
        await store.show_shop(interaction)

    @tree.command(name="carrinho", description=t(loc, "cmd_carrinho"))
    async def carrinho(interaction: discord.Interaction) -> None:
        await store.show_cart(interaction)

    @tree.command(name="meuspedidos", description=t(loc, "cmd_meuspedidos"))
    async def meuspedidos(interaction: discord.Interaction) -> None:
        await store.show_orders(interaction)

    @tree.command(name="vincular", description=t(loc, "cmd_vincular"))
    @app_commands.describe(chave="vtr_...")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def vincular(interaction: discord.Interaction, chave: str) -> None:
        await store.link(interaction, chave)

    @tree.command(name="postar", description=t(loc, "cmd_postar"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def postar(interaction: discord.Interaction, produto: str,
                     canal: discord.TextChannel) -> None:
        await store.post(interaction, produto, canal)

    @tree.command(name="repostar", description=t(loc, "cmd_repostar"))
    @app_commands.guild_only()
    async def repostar(interaction: discord.Interaction, produto: str) -> None:
        await store.repost(interaction, produto)

    @tree.command(name="estoque", description=t(loc, "cmd_estoque"))
    @app_commands.guild_only()
    async def estoque(interaction: discord.Interaction) -> None:
        await store.stock(interaction)

    @tree.command(name="entregar", description=t(loc, "cmd_entregar"))
    @app_commands.guild_only()
    async def entregar(interaction: discord.Interaction, pedido: str) -> None:
        await store.deliver(interaction, pedido)

    @tree.command(name="reembolsar", description=t(loc, "cmd_reembolsar"))
    @app_commands.guild_only()
    async def reembolsar(interaction: discord.Interaction, pedido: str,
                         motivo: app_commands.Range[str, 1, 250]) -> None:
        await store.refund(interaction, pedido, motivo)

    @tree.command(name="aprovar", description=t(loc, "cmd_aprovar"))
    @app_commands.guild_only()
    async def aprovar(interaction: discord.Interaction, pedido: str) -> None:
        await store.approve(interaction, pedido)

    @tree.command(name="notificacoes", description=t(loc, "cmd_notificacoes"))
    @app_commands.describe(estado=t(loc, "notify_option"))
    @app_commands.choices(estado=[
        app_commands.Choice(name=t(loc, "notify_on"), value="on"),
        app_commands.Choice(name=t(loc, "notify_off"), value="off")])
    async def notificacoes(interaction: discord.Interaction,
                           estado: app_commands.Choice[str]) -> None:
        await growth.notifications_command(store, interaction, estado.value == "on")

    return tree
