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

    @tree.command(name="saldo", description=t(loc, "cmd_saldo"))
    @app_commands.describe(recarregar="R$")
    async def saldo(interaction: discord.Interaction,
                    recarregar: app_commands.Range[int, 1, 100_000] | None = None) -> None:
        await store.show_credit(interaction, recarregar)

    @tree.command(name="resgatar", description=t(loc, "cmd_resgatar"))
    async def resgatar(interaction: discord.Interaction,
                       codigo: app_commands.Range[str, 1, 64]) -> None:
        await store.redeem(interaction, codigo)

    @tree.command(name="afiliado", description=t(loc, "cmd_afiliado"))
    async def afiliado(interaction: discord.Interaction,
                       codigo: app_commands.Range[str, 1, 16] | None = None) -> None:
        await store.affiliate(interaction, codigo or "")

    @tree.command(name="afiliado-sacar", description=t(loc, "cmd_afiliado_sacar"))
    @app_commands.choices(tipo=[app_commands.Choice(name=n, value=v) for n, v in (
        ("CPF", "cpf"), ("CNPJ", "cnpj"), ("E-mail", "email"), ("Telefone", "phone"),
        ("Aleatória", "evp"))])
    async def afiliado_sacar(interaction: discord.Interaction,
                             valor: app_commands.Range[str, 1, 16],
                             tipo: app_commands.Choice[str],
                             chave: app_commands.Range[str, 1, 140]) -> None:
        await store.affiliate_withdraw(interaction, valor, tipo.value, chave)

    @tree.command(name="afiliado-saldo", description=t(loc, "cmd_afiliado_saldo"))
    async def afiliado_saldo(interaction: discord.Interaction,
                             valor: app_commands.Range[str, 1, 16]) -> None:
        await store.affiliate_to_credit(interaction, valor)
    @tree.command(name="assinar", description=t(loc, "cmd_assinar"))
    async def assinar(interaction: discord.Interaction) -> None:
        await store.subscribe_start(interaction)

    @tree.command(name="assinatura", description=t(loc, "cmd_assinatura"))
    async def assinatura(interaction: discord.Interaction) -> None:
        await store.membership_show(interaction)

    @tree.command(name="vincular-kofi", description=t(loc, "cmd_vincular_kofi"))
    async def vincular_kofi(interaction: discord.Interaction,
                            email: app_commands.Range[str, 3, 254],
                            codigo: app_commands.Range[str, 6, 6] | None = None) -> None:
        await store.kofi_link(interaction, email, codigo)
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
