"""Simulated trading activity for the demo database: accounts, orders, fills, positions, transfers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradeassist.sql.demo.market import MarketData
from tradeassist.sql.demo.universe import (
    ACCOUNTS,
    ADDRESS_STYLE,
    DESK_ASSET_MIX,
    TX_HASH_PREFIX,
    AccountSpec,
)

ORDERS_PER_SCALE = 40_000
#: Orders every calendar day gets before the rest are spread (denser towards the present), so that
#: "yesterday", "today" and every month have activity.
MIN_ORDERS_PER_DAY = 6
ORDER_TYPES = np.array(["market", "limit", "stop"], dtype=object)
ORDER_TYPE_P = np.array([0.55, 0.35, 0.10])
STATUSES = np.array(["filled", "partially_filled", "cancelled", "rejected"], dtype=object)
#: Status probabilities per order type (rows follow ORDER_TYPES): about 75/8/12/5 overall.
STATUS_P = np.array([
    [0.88, 0.03, 0.04, 0.05],
    [0.60, 0.16, 0.20, 0.04],
    [0.66, 0.06, 0.23, 0.05],
])
EQUITY_SESSION = (9 * 3600 + 30 * 60, 16 * 3600)  # regular US session, exchange local time
#: Transfers per day at scale 1, per chain (busier chains move more often).
TRANSFERS_PER_DAY = {"BTC": 4.0, "ETH": 5.0, "SOL": 3.0, "XRP": 2.5, "ADA": 1.5, "DOGE": 2.0,
                     "AVAX": 1.5, "LTC": 1.0}
WALLETS_PER_CHAIN = 300


@dataclass(frozen=True)
class TradingData:
    """The activity tables of the demo database as DataFrames, in contract column order."""

    accounts: pd.DataFrame
    orders: pd.DataFrame
    trades: pd.DataFrame
    positions: pd.DataFrame
    transfers: pd.DataFrame


def quantity_decimals(start_price: float, asset_class: str) -> int:
    """Decimals of tradable quantity: whole shares; crypto to about a few dollars' worth."""
    if asset_class != "crypto":
        return 0
    return int(np.clip(np.floor(np.log10(start_price)), 0, 6))


def accounts_frame(dates: np.ndarray, today: dt.date,
                   specs: tuple[AccountSpec, ...] = ACCOUNTS) -> pd.DataFrame:
    """The ``accounts`` rows: ids 1..N, desks, strategies, opening dates (never after today)."""
    start = dates[0]
    opened = [min(start + np.timedelta64(spec.opened_offset_days, "D"), np.datetime64(today, "D"))
              for spec in specs]
    return pd.DataFrame({
        "account_id": np.arange(1, len(specs) + 1, dtype=np.int64),
        "name": [spec.name for spec in specs],
        "desk": [spec.desk for spec in specs],
        "strategy": [spec.strategy for spec in specs],
        "opened_on": np.array(opened, dtype="datetime64[D]"),
    })


def _order_days(rng: np.random.Generator, days: int, count: int) -> np.ndarray:
    guaranteed = np.repeat(np.arange(days), MIN_ORDERS_PER_DAY)
    weight = 1.0 + 2.0 * np.arange(days) / days  # activity grows towards the present
    extra = rng.choice(days, size=max(count - guaranteed.size, 0), p=weight / weight.sum())
    return np.concatenate([guaranteed, extra])


def _pick_accounts(rng: np.random.Generator, day: np.ndarray, weekend: np.ndarray,
                   opened_idx: np.ndarray, desks: np.ndarray) -> np.ndarray:
    """An account per order that was open that day (and trades crypto when it is a weekend)."""
    account = rng.integers(0, len(desks), day.size)
    for _ in range(200):  # rejection sampling; the oldest accounts always qualify
        bad = (opened_idx[account] > day) | (weekend[day] & (desks[account] == "Equities"))
        if not bad.any():
            return account
        account[bad] = rng.integers(0, len(desks), int(bad.sum()))
    raise RuntimeError("no account can trade on some day of the history")


def _pick_symbols(rng: np.random.Generator, market: MarketData, account: np.ndarray,
                  asset_class: np.ndarray, n_accounts: int) -> np.ndarray:
    """Each account favours its own few names per asset class (Zipf-like preference)."""
    classes = np.array([spec.asset_class for spec in market.specs])
    symbol = np.empty(account.size, dtype=np.int64)
    for a in range(n_accounts):
        for cls in ("equity", "etf", "crypto"):
            rows = np.flatnonzero((account == a) & (asset_class == cls))
            if rows.size == 0:
                continue
            members = rng.permutation(np.flatnonzero(classes == cls))[:25]
            weight = 1.0 / (np.arange(members.size) + 1.0) ** 0.8
            symbol[rows] = rng.choice(members, size=rows.size, p=weight / weight.sum())
    return symbol


def _split_fills(rng: np.random.Generator, filled_units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split each order's filled units into 1-4 fills; returns (order row, units) per fill."""
    fills = 1 + (rng.random(filled_units.size) < 0.35) + (rng.random(filled_units.size) < 0.12) \
        + (rng.random(filled_units.size) < 0.05)
    fills = np.minimum(fills, filled_units)
    order_row = np.repeat(np.arange(filled_units.size), fills)
    weight = rng.exponential(1.0, order_row.size)
    total = np.bincount(order_row, weights=weight, minlength=filled_units.size)
    units = np.floor(filled_units[order_row] * weight / total[order_row]).astype(np.int64)
    first = np.r_[0, np.cumsum(fills)[:-1]][fills > 0]
    owners = order_row[first]
    units[first] += filled_units[owners] - np.bincount(order_row, weights=units,
                                                       minlength=filled_units.size)[owners].astype(np.int64)
    keep = units > 0
    return order_row[keep], units[keep]


def simulate_activity(market: MarketData, today: dt.date, rng: np.random.Generator,
                      scale: int = 1) -> TradingData:
    """Simulate accounts, orders, trades, positions and on-chain transfers over the market history."""
    accounts = accounts_frame(market.dates, today)
    days = market.dates.size
    weekday = (market.dates.view("int64") - 4) % 7
    weekend = weekday >= 5
    opened_idx = (accounts["opened_on"].to_numpy().astype("datetime64[D]") - market.dates[0]).astype(np.int64)
    desks = accounts["desk"].to_numpy()
    specs = ACCOUNTS

    # When, who and what.
    day = np.sort(_order_days(rng, days, ORDERS_PER_SCALE * scale))
    n = day.size
    account = _pick_accounts(rng, day, weekend, opened_idx, desks)
    mix = np.array([DESK_ASSET_MIX[desk] for desk in desks])
    draw = rng.random(n)
    cum = np.cumsum(mix[account], axis=1)
    asset_class = np.where(draw < cum[:, 0], "equity", np.where(draw < cum[:, 1], "etf", "crypto"))
    asset_class = np.where(weekend[day], "crypto", asset_class)  # only crypto trades at weekends
    inst = _pick_symbols(rng, market, account, asset_class, len(specs))
    is_crypto = asset_class == "crypto"

    seconds = np.where(
        is_crypto,
        rng.integers(0, 86_400 - 1_800, n),
        rng.integers(EQUITY_SESSION[0], EQUITY_SESSION[1] - 900, n),
    )
    # Order ids follow placement time, and the holdings walk below relies on that order.
    by_time = np.lexsort((seconds, day))
    day, account, asset_class, inst, is_crypto, seconds = (
        a[by_time] for a in (day, account, asset_class, inst, is_crypto, seconds))
    placed_at = market.dates[day].astype("datetime64[s]") + seconds.astype("timedelta64[s]")

    # How much, how, and what happened to it.
    order_type_idx = rng.choice(3, size=n, p=ORDER_TYPE_P)
    status_draw = rng.random(n)
    status_idx = (status_draw[:, None] > np.cumsum(STATUS_P[order_type_idx], axis=1)).sum(axis=1)
    first_of_day = np.r_[True, day[1:] != day[:-1]]
    status_idx[first_of_day] = 0  # one filled order a day keeps every day's trades non-empty
    qty_dec = np.array([quantity_decimals(s.start_price, s.asset_class) for s in market.specs])
    unit = 10.0 ** -qty_dec[inst]
    size_usd = np.array([spec.size_usd for spec in specs])[account]
    notional = size_usd * np.exp(0.8 * rng.standard_normal(n) - 0.32)
    ref_price = market.open[inst, day]
    units = np.maximum(np.round(notional / ref_price / unit), 1).astype(np.int64)
    status_idx[(status_idx == 1) & (units < 2)] = 0  # one unit cannot fill partially
    filled_units = np.where(status_idx == 0, units, 0)
    partial = status_idx == 1
    filled_units[partial] = 1 + np.floor(rng.random(int(partial.sum())) * (units[partial] - 1)).astype(np.int64)

    # Fills: prices inside the day's range, times shortly after placement within the same session.
    fill_order, fill_units = _split_fills(rng, filled_units)
    fday, finst = day[fill_order], inst[fill_order]
    low, high = market.low[finst, fday], market.high[finst, fday]
    decimals = market.price_decimals[finst]
    fill_price = low + (high - low) * rng.beta(2.0, 2.0, fill_order.size)
    fill_price = np.clip(np.round(fill_price * 10.0 ** decimals) / 10.0 ** decimals, low, high)
    mean_delay = np.where(ORDER_TYPES[order_type_idx[fill_order]] == "market", 20.0, 240.0)
    delay = np.ceil(rng.exponential(mean_delay)).astype(np.int64)
    run_start = np.r_[0, np.flatnonzero(np.diff(fill_order)) + 1]
    cum_delay = np.cumsum(delay) - np.repeat(np.cumsum(delay)[run_start] - delay[run_start],
                                             np.diff(np.r_[run_start, fill_order.size]))
    session_end = np.where(is_crypto[fill_order], 86_399, EQUITY_SESSION[1] - 1)
    exec_seconds = np.minimum(seconds[fill_order] + cum_delay, session_end)
    executed_at = market.dates[fday].astype("datetime64[s]") + exec_seconds.astype("timedelta64[s]")

    # Sides: sells never exceed what the account holds, so positions stay long (documented).
    side_buy = rng.random(n) < 0.55
    fill_value = np.bincount(fill_order, weights=fill_units * unit[fill_order] * fill_price, minlength=n)
    vwap = np.divide(fill_value, filled_units * unit, out=np.zeros(n), where=filled_units > 0)
    holdings = _walk_holdings(side_buy, filled_units, account, inst, vwap)
    side = np.where(side_buy, "buy", "sell")

    order_type = ORDER_TYPES[order_type_idx]
    limit_price = _limit_prices(rng, market, order_type, side_buy, fill_order, fill_price, inst, day)
    symbols = np.asarray(market.symbols, dtype=object)
    quantity = np.round(units * unit, 8)
    orders = pd.DataFrame({
        "order_id": np.arange(1, n + 1, dtype=np.int64),
        "account_id": account.astype(np.int64) + 1,
        "symbol": symbols[inst],
        "placed_at": placed_at,
        "side": side,
        "order_type": order_type,
        "quantity": quantity,
        "limit_price": limit_price,
        "status": STATUSES[status_idx],
        "filled_quantity": np.round(filled_units * unit, 8),
    })

    trade_qty = np.round(fill_units * unit[fill_order], 8)
    fee_bps = np.array([spec.fee_bps for spec in specs])[account[fill_order]]
    min_fee = np.where(is_crypto[fill_order], 0.10, 1.00)
    fee = np.round(np.maximum(trade_qty * fill_price * fee_bps / 1e4, min_fee), 2)
    trades = _trades_frame(fill_order, account[fill_order], symbols[finst], executed_at, side[fill_order],
                           trade_qty, fill_price, fee)
    positions = _positions_frame(holdings, symbols, qty_dec)
    transfers = simulate_transfers(market, rng, scale)
    return TradingData(accounts, orders, trades, positions, transfers)


def _walk_holdings(side_buy: np.ndarray, filled_units: np.ndarray, account: np.ndarray, inst: np.ndarray,
                   vwap: np.ndarray) -> dict[tuple[int, int], list[float]]:
    """Units held and average cost per (account, instrument), turning sells of more than is held into buys.

    Rows must be in placement order; ``side_buy`` is changed in place, so positions stay long.
    """
    holdings: dict[tuple[int, int], list[float]] = {}
    for row in np.flatnonzero(filled_units > 0):
        key = (int(account[row]), int(inst[row]))
        held = holdings.setdefault(key, [0, 0.0])  # units held, weighted average cost
        if not side_buy[row] and held[0] < filled_units[row]:
            side_buy[row] = True
        if side_buy[row]:
            total = held[0] + filled_units[row]
            held[1] = (held[0] * held[1] + filled_units[row] * vwap[row]) / total
            held[0] = total
        else:
            held[0] -= filled_units[row]
            if held[0] == 0:
                held[1] = 0.0
    return holdings


def _trades_frame(fill_order: np.ndarray, account: np.ndarray, symbol: np.ndarray, executed_at: np.ndarray,
                  side: np.ndarray, quantity: np.ndarray, price: np.ndarray, fee: np.ndarray) -> pd.DataFrame:
    """The trades table (one row per fill, numbered in execution order) from per-fill arrays."""
    trades = pd.DataFrame({
        "order_id": fill_order.astype(np.int64) + 1,
        "account_id": account.astype(np.int64) + 1,
        "symbol": symbol,
        "executed_at": executed_at,
        "side": side,
        "quantity": quantity,
        "price": price,
        "fee": fee,
    }).sort_values(["executed_at", "order_id"], kind="stable").reset_index(drop=True)
    trades.insert(0, "trade_id", np.arange(1, len(trades) + 1, dtype=np.int64))
    return trades


def _positions_frame(holdings: dict[tuple[int, int], list[float]], symbols: np.ndarray,
                     qty_dec: np.ndarray) -> pd.DataFrame:
    """The positions table: every (account, instrument) still holding units, in key order."""
    held_rows = sorted((key, value) for key, value in holdings.items() if value[0] > 0)
    return pd.DataFrame({
        "account_id": np.array([key[0] + 1 for key, _ in held_rows], dtype=np.int64),
        "symbol": [symbols[key[1]] for key, _ in held_rows],
        "quantity": [round(value[0] * 10.0 ** -qty_dec[key[1]], 8) for key, value in held_rows],
        "avg_cost": [round(value[1], 6) for _, value in held_rows],
    })


def _limit_prices(rng: np.random.Generator, market: MarketData, order_type: np.ndarray,
                  side_buy: np.ndarray, fill_order: np.ndarray, fill_price: np.ndarray,
                  inst: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Limit prices: at or through every fill of the order; unfilled ones rest away from the market."""
    n = order_type.size
    worst_buy = np.full(n, -np.inf)
    np.maximum.at(worst_buy, fill_order, fill_price)
    worst_sell = np.full(n, np.inf)
    np.minimum.at(worst_sell, fill_order, fill_price)
    filled = np.isfinite(worst_buy)
    slack = rng.uniform(0.0, 0.004, n)
    away = rng.uniform(0.002, 0.03, n)
    low, high = market.low[inst, day], market.high[inst, day]
    price = np.where(
        side_buy,
        np.where(filled, worst_buy * (1 + slack), low * (1 - away)),
        np.where(filled, worst_sell * (1 - slack), high * (1 + away)),
    )
    decimals = market.price_decimals[inst]
    scale = 10.0 ** decimals
    # Round away from the fills so a buy limit stays >= its fills and a sell limit <= them.
    price = np.where(side_buy, np.ceil(price * scale), np.floor(price * scale)) / scale
    price = np.maximum(price, 1.0 / scale)
    return np.where(order_type == "limit", price, np.nan)


def _addresses(rng: np.random.Generator, symbol: str, count: int) -> np.ndarray:
    prefix, alphabet, length = ADDRESS_STYLE.get(symbol, ("0x", "0123456789abcdef", 40))
    letters = np.array(list(alphabet))
    body = letters[rng.integers(0, len(alphabet), (count, length))]
    return np.array([prefix + "".join(row) for row in body], dtype=object)


def simulate_transfers(market: MarketData, rng: np.random.Generator, scale: int = 1) -> pd.DataFrame:
    """On-chain transfers for every crypto every day, heavy-tailed sizes priced at that day's close."""
    frames = []
    for i, spec in enumerate(market.specs):
        if spec.asset_class != "crypto":
            continue
        rate = TRANSFERS_PER_DAY.get(spec.symbol, 1.0) * scale
        per_day = 1 + rng.poisson(max(rate - 1.0, 0.0), market.dates.size)
        day = np.repeat(np.arange(market.dates.size), per_day)
        count = day.size
        block_time = (market.dates[day].astype("datetime64[s]")
                      + rng.integers(0, 86_400, count).astype("timedelta64[s]"))
        # Log-normal sizes with a wide spread: a few whales move millions in every year.
        usd_target = np.exp(np.log(30_000.0) + 2.0 * rng.standard_normal(count))
        close = market.close[i, day]
        decimals = 8 if spec.symbol in ("BTC", "LTC") else 6
        amount = np.maximum(np.round(usd_target / close, decimals), 10.0 ** -decimals)
        wallets = _addresses(rng, spec.symbol, WALLETS_PER_CHAIN)
        popularity = 1.0 / (np.arange(WALLETS_PER_CHAIN) + 1.0) ** 0.9  # exchanges dominate
        popularity /= popularity.sum()
        sender = rng.choice(WALLETS_PER_CHAIN, count, p=popularity)
        receiver = rng.choice(WALLETS_PER_CHAIN, count, p=popularity)
        receiver = np.where(receiver == sender, (receiver + 1) % WALLETS_PER_CHAIN, receiver)
        raw = np.frombuffer(rng.bytes(32 * count), dtype=np.uint8).reshape(count, 32)
        prefix = TX_HASH_PREFIX.get(spec.symbol, "")
        frames.append(pd.DataFrame({
            "tx_hash": [prefix + row.tobytes().hex() for row in raw],
            "symbol": spec.symbol,
            "block_time": block_time,
            "from_address": wallets[sender],
            "to_address": wallets[receiver],
            "amount": amount,
            "usd_value": np.round(amount * close, 2),
        }))
    transfers = pd.concat(frames, ignore_index=True)
    return transfers.sort_values(["block_time", "tx_hash"], kind="stable").reset_index(drop=True)
