"""Daily on-chain flow measures per crypto symbol, from the ``onchain_transfers`` table.

The table holds raw transfers (symbol, block_time, from_address, to_address, usd_value) with no
exchange labels, so exchange-like wallets are inferred: per symbol, the addresses that take part
in the most transfers (the hubs of the transfer graph, as exchange hot wallets are). Value leaving
hubs is outflow (coins withdrawn to holders, read as accumulation), value entering them is inflow
(coins sent to be sold). Large transfers are those worth at least ``LARGE_USD``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: A "whale" transfer, in US dollars.
LARGE_USD = 1_000_000.0
#: How many of the busiest addresses per symbol count as exchange-like hubs.
HUBS_PER_SYMBOL = 5


def hub_addresses(transfers: pd.DataFrame, per_symbol: int = HUBS_PER_SYMBOL) -> dict[str, set[str]]:
    """The busiest addresses of each symbol (by number of transfers sent or received)."""
    import pandas as pd

    ends = pd.concat(
        [
            transfers[["symbol", "from_address"]].rename(columns={"from_address": "address"}),
            transfers[["symbol", "to_address"]].rename(columns={"to_address": "address"}),
        ]
    )
    counts = ends.groupby(["symbol", "address"]).size().rename("n").reset_index()
    counts = counts[counts["n"] >= 3]  # an address seen once or twice is nobody's hub
    top = counts.sort_values("n", ascending=False).groupby("symbol").head(per_symbol)
    return {symbol: set(group["address"]) for symbol, group in top.groupby("symbol")}


def daily_flows(transfers: pd.DataFrame | None) -> pd.DataFrame:
    """One row per (symbol, date): ``net_outflow`` (USD out of hubs minus into them), ``large_count``."""
    import numpy as np
    import pandas as pd

    columns = ["symbol", "date", "net_outflow", "large_count"]
    if transfers is None or transfers.empty:
        return pd.DataFrame(columns=columns)
    frame = transfers.copy()
    frame["symbol"] = frame["symbol"].astype(str)
    frame["date"] = pd.to_datetime(frame["block_time"]).dt.tz_localize(None).dt.normalize()
    frame["usd_value"] = pd.to_numeric(frame["usd_value"], errors="coerce").fillna(0.0)
    hubs = hub_addresses(frame)
    pairs_from = set((s, a) for s, addresses in hubs.items() for a in addresses)
    from_hub = np.fromiter(((s, a) in pairs_from for s, a in zip(frame["symbol"], frame["from_address"])), bool, len(frame))
    to_hub = np.fromiter(((s, a) in pairs_from for s, a in zip(frame["symbol"], frame["to_address"])), bool, len(frame))
    # Hub-to-hub moves are internal shuffles: neither in nor out.
    frame["signed"] = np.where(from_hub & ~to_hub, frame["usd_value"], np.where(to_hub & ~from_hub, -frame["usd_value"], 0.0))
    frame["large"] = (frame["usd_value"] >= LARGE_USD).astype(int)
    daily = frame.groupby(["symbol", "date"]).agg(net_outflow=("signed", "sum"), large_count=("large", "sum")).reset_index()
    # Fill calendar gaps with zero activity so trailing windows count days, not rows.
    filled = []
    for symbol, group in daily.groupby("symbol"):
        days = pd.date_range(group["date"].min(), group["date"].max(), freq="D")
        group = group.set_index("date").reindex(days, fill_value=0).rename_axis("date").reset_index()
        group["symbol"] = symbol
        filled.append(group)
    return pd.concat(filled, ignore_index=True)[columns]
