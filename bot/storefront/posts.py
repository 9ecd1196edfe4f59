"""Product posts: /postar and /repostar (staff; the platform says whether the product may be
posted) and the loop that edits posts whose product changed."""

from __future__ import annotations

import contextlib
from typing import Any

import discord

from bot.api import ApiError
from bot.storefront.base import log
from bot.storefront.staff import StaffCommands
from bot.ui import catalog as catalog_ui


class ProductPosts(StaffCommands):
    async def _allowed(self, interaction: discord.Interaction,
                       wanted: str) -> dict[str, Any] | None:
        """The product to post, after the platform said yes: the staff claim is checked there,
        and so is whether the product may be posted (for sale, within the plan). Its refusal
        is raised as an ApiError and shown as it comes; None when the bot answered already."""
        claim = await self._staff_or_refuse(interaction)
        if claim is None:
            return None
        found = self._find((await self.catalog())["products"], wanted)
        if found is None:
            await interaction.followup.send(self.t("product_not_found"), ephemeral=True)
            return None
        allowed = await self.api.post_allow(int(found["id"]), claim)
        await self.with_ratings([allowed])  # the post shows the review average, as the card does
        return allowed

    async def _send_post(self, target: Any, product: dict[str, Any]) -> Any:
        message = await target.send(
            embed=catalog_ui.product_embed(product, self.locale, self.api.platform_url),
            view=catalog_ui.product_view(product, self.locale))
        await self.api.post_record(int(product["id"]), target.id, message.id)
        return message

    async def post(self, interaction: discord.Interaction, product: str,
                   channel: discord.abc.GuildChannel) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            found = await self._allowed(interaction, product)
            if found is None:
                return
            target = await self._channel(interaction.client, channel.id)
            await self._send_post(target, found)
            await interaction.followup.send(self.t("posted", channel=target.mention),
                                            ephemeral=True)
        await self._guarded(interaction, work)

    # -- product posts -------------------------------------------------------------------------
    async def _channel(self, client: discord.Client, channel_id: int | str) -> Any:
        return client.get_channel(int(channel_id)) or await client.fetch_channel(int(channel_id))

    async def refresh_posts(self, client: discord.Client) -> int:
        """Edit each post whose product changed with the fresh embed; record it (clears the
        platform's needs_refresh). Products no longer for sale lose their buttons."""
        try:
            posts = (await self.api.posts(needs_refresh=True))["posts"]
        except ApiError as exc:
            log.warning("could not list the posts to refresh: %s", exc.code)
            return 0
        # A new review marks its products' posts for refresh: the average goes on them.
        await self.with_ratings([p["product"] for p in posts if p.get("product")])
        done = 0
        for post in posts:
            product = post.get("product")
            try:
                channel = await self._channel(client, post["channel_id"])
                message = channel.get_partial_message(int(post["message_id"]))
                if product is None:
                    await message.edit(view=None)
                else:
                    embed = catalog_ui.product_embed(product, self.locale, self.api.platform_url)
                    await message.edit(embed=embed,
                                       view=catalog_ui.product_view(product, self.locale))
                await self.api.post_record(int(post["product_id"]), post["channel_id"],
                                           post["message_id"])
                done += 1
            except (discord.HTTPException, ApiError) as exc:
                log.warning("post %s not refreshed: %s", post.get("id"), exc)
        return done

    async def repost(self, interaction: discord.Interaction, product: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            found = await self._allowed(interaction, product)
            if found is None:
                return
            old = (found.get("posts") or [None])[0]
            channel_id = (old or {}).get("channel_id") or found.get("channel_id")
            if not channel_id:
                await interaction.followup.send(self.t("not_posted"), ephemeral=True)
                return
            target = await self._channel(interaction.client, channel_id)
            await self._send_post(target, found)
            if old and old.get("message_id") and str(old["channel_id"]) == str(target.id):
                with contextlib.suppress(discord.HTTPException):  # the old one may be gone
                    await target.get_partial_message(int(old["message_id"])).delete()
            await interaction.followup.send(self.t("reposted", channel=target.mention),
                                            ephemeral=True)
        await self._guarded(interaction, work)

    @staticmethod
    def _find(products: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
        key = wanted.strip().lstrip("#").casefold()
        return next((p for p in products if str(p["id"]) == key
                     or p["name"].casefold() == key), None)
