#!/usr/bin/env bash
# Egress allow-list for the bot network (iptables; idempotent). Bots may open connections only
# to the listed destinations; anything else they send, forwarded (DOCKER-USER) or to the host
# itself (INPUT), is dropped. Answers to connections they opened pass.
#
#   BOT_SUBNETS="10.213.0.0/24" ALLOW="203.0.113.10:443 162.159.128.0/19:443 10.0.0.2:53/udp" \
#     deploy/bot_firewall.sh apply
#   BOT_SUBNETS="10.213.0.0/24" deploy/bot_firewall.sh remove
#
# BOT_SUBNETS  the bot network's subnet(s) (RUNTIME_BOT_SUBNET; one per swarm node's bridge)
# ALLOW        destinations "address[/prefix]:port[/tcp|/udp]": Discord's addresses (resolve
#              discord.com and gateway.discord.gg into this list from a timer), the public
#              Bot API address, a resolver
# CHAIN        the chain this script owns (VITRINE-BOTS)
set -euo pipefail

action="${1:-}"
CHAIN="${CHAIN:-VITRINE-BOTS}"
read -r -a subnets <<<"${BOT_SUBNETS:?BOT_SUBNETS is required}"
read -r -a allowed <<<"${ALLOW:-}"
FORWARD_HOOK=DOCKER-USER
iptables -nL DOCKER-USER >/dev/null 2>&1 || FORWARD_HOOK=FORWARD  # dockerd without iptables

unhook() {
  local hook subnet
  for hook in "$FORWARD_HOOK" INPUT; do
    for subnet in "${subnets[@]}"; do
      while iptables -C "$hook" -s "$subnet" -j "$CHAIN" 2>/dev/null; do
        iptables -D "$hook" -s "$subnet" -j "$CHAIN"
      done
    done
  done
}

case "$action" in
  apply)
    iptables -N "$CHAIN" 2>/dev/null || iptables -F "$CHAIN"
    iptables -A "$CHAIN" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
    for entry in "${allowed[@]}"; do
      proto=tcp
      if [[ "$entry" == */udp || "$entry" == */tcp ]]; then proto="${entry##*/}"; entry="${entry%/*}"; fi
      address="${entry%:*}" port="${entry##*:}"
      iptables -A "$CHAIN" -d "$address" -p "$proto" --dport "$port" -j RETURN
    done
    iptables -A "$CHAIN" -j DROP
    unhook
    for subnet in "${subnets[@]}"; do
      iptables -I "$FORWARD_HOOK" -s "$subnet" -j "$CHAIN"
      iptables -I INPUT -s "$subnet" -j "$CHAIN"
    done
    ;;
  remove)
    unhook
    iptables -F "$CHAIN" 2>/dev/null || true
    iptables -X "$CHAIN" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 apply|remove" >&2
    exit 2
    ;;
esac
