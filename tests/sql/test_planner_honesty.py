"""The planner answers only what it understood: ignored words ask back, shapes are checked, numbers read right."""

from __future__ import annotations

import pytest

from plan_checks import assert_planned


@pytest.fixture(scope="module")
def planner(route):
    return route.engine()[1]


# Each question holds a word that changes its meaning and that the plan could not use.
@pytest.mark.parametrize("question, word", [
    ("trades not executed by the Quant desk", "not"),
    ("TSLA volume spikes", "spikes"),
    ("notional traded this month vs last month by the Quant desk with a twist", "twist"),
    ("average close of MSFT excluding ETFs", "excluding"),
])
def test_an_ignored_word_asks_back(planner, question, word):
    plan = planner.plan(question)
    assert not plan.ok and word in plan.clarify and plan.options, plan


def test_an_ignored_catalog_word_is_named_back(planner):
    # "average" with no average in the plan: listing trades over 500 would answer another question
    plan = planner.plan("symbols whose closes average more than 300 for the desk")
    assert not plan.ok and plan.options


@pytest.mark.parametrize("question, fragment", [
    # HAVING: a condition on an aggregate per entity, not on rows
    ("accounts with an average trade size above 500", 'HAVING AVG("trades"."quantity") > 500'),
    ("accounts with more than 4000 trades", 'HAVING COUNT(*) > 4000'),
    # units: "N coins" is an amount, "$1M" a value
    ("transfers of more than 100 coins", '"amount" > 100'),
    ("transfers of more than $1M", '"usd_value" > 1000000'),
    # "total X of trades over $1M": a total over the trades that pass, not a listing
    ("total notional of trades over $1M", 'SUM(("quantity" * "price"))'),
])
def test_numbers_compare_with_what_names_them(planner, question, fragment):
    plan = assert_planned(planner, question, [fragment])
    assert "asset_class" not in plan.sql  # "coins" as a unit is no filter on crypto


def test_a_standalone_question_is_not_a_follow_up(route):
    from tradeassist.core.question import Question

    asked = Question("latest close of AAPL")
    second = route.answer(asked.follow_up("What was TSLA's 5-day return?", route.answer(asked)))
    assert not second.needs_clarification
    assert "TSLA" in second.sql.statement and "return" in " ".join(second.table.frame.columns)


def test_a_result_without_the_asked_thing_asks_back(planner, route):
    from tradeassist.sql.planner.verify import shape_problems

    plan = planner.plan("which desk had the highest total fees last month")
    assert plan.ok and "desk" in plan.asks["thing"]
    assert shape_problems(["desk", "total_fee"], plan.asks, planner.catalog) == []
    assert shape_problems(["total_fee"], plan.asks, planner.catalog) == ["the answer does not name the desk"]
    count = planner.plan("how many orders were cancelled")
    assert shape_problems(["quantity"], count.asks, planner.catalog) == ["the answer holds no count"]


@pytest.mark.parametrize("question, fragments", [
    # an entity grouped by its numeric key shows its name too
    ("number of orders per account", ['GROUP BY "orders"."account_id", "accounts"."name"']),
    # volatility: the sample standard deviation of daily returns, annualised when asked
    ("annualised vol of AAPL over the last 90 days", ["STDDEV_SAMP", "SQRT(252)", "LAG(\"close\")"]),
    # drawdown: close over its running maximum, the deepest first when ranked
    ("which crypto had the deepest drawdown this year?", ["MAX(\"daily_bars\".\"close\") OVER", "ASC", "LIMIT 1"]),
    # a percent change is a return, in percent
    ("percent change in ETH over the last 30 days", ["AS \"period_return_pct\"", "'ETH'"]),
])
def test_breadth_by_general_methods(planner, question, fragments):
    assert_planned(planner, question, fragments)


def test_a_period_return_starts_from_the_close_before_the_period(route):
    from tradeassist.core.question import Question

    answer = route.answer(Question("what was AAPL's return last month?"))
    frame = answer.table.frame
    base = route.engine()[0].query(
        "SELECT close FROM daily_bars WHERE symbol = 'AAPL' AND date < DATE '2026-10-01' ORDER BY date DESC LIMIT 1",
        timeout_s=5, max_rows=1).frame.iloc[0, 0]
    assert frame["base_close"].iloc[0] == pytest.approx(base)


@pytest.mark.parametrize("question, fragments", [
    # how a value is priced is said by the metric itself, not a second reading about closes
    ("dollar exposure per desk at the latest close", ['latest_bar.close', '"accounts"."desk"']),
    # "averaging more than N shares": a HAVING on the average amount per entity
    ("symbols averaging more than 50M shares a day of volume over the last 30 days", ['HAVING AVG("volume") > 50000000']),
    # a filter reached through the fact's children is no reading: counted on trades, not instruments
    ("how many different coins has the crypto desk traded?", ['COUNT(DISTINCT "trades"."symbol")', "FROM trades"]),
])
def test_the_reading_that_uses_the_whole_question_wins(planner, question, fragments):
    assert_planned(planner, question, fragments)


@pytest.mark.parametrize("question, columns", [
    ("traded notional this month vs last month, by desk",
     ["desk", "total_notional_this_month", "total_notional_last_month"]),
    ("notional traded this month and last month", ["total_notional_this_month", "total_notional_last_month"]),
    ("how much BTC did we trade in Q2 or Q3 this year, in coins", ["total_quantity_q2_2026", "total_quantity_q3_2026"]),
])
def test_two_periods_are_set_side_by_side_never_an_empty_overlap(route, question, columns):
    from tradeassist.core.question import Question

    answer = route.answer(Question(question))
    assert not answer.needs_clarification, answer.notices
    frame = answer.table.frame
    assert list(frame.columns) == columns
    assert frame[columns[-1]].notna().all() and frame[columns[-2]].notna().all()


@pytest.mark.parametrize("question, fragments", [
    ("what hour of the day do we trade the most?", ['EXTRACT(HOUR FROM "executed_at")', "COUNT(*)", "DESC", "LIMIT 1"]),
    ("how many orders were placed on Fridays last month", ['EXTRACT(DAYOFWEEK FROM "placed_at") AS INT) = 5']),
    ("number of trades by day of the week", ['AS "weekday"', 'GROUP BY CAST(EXTRACT(DAYOFWEEK']),
])
def test_time_parts(planner, question, fragments):
    assert_planned(planner, question, fragments)


@pytest.mark.parametrize("question, fragments", [
    # a superlative about things returns the thing: the row, ranked by its value
    ("biggest trade by notional last month", ['"trade_id"', 'ORDER BY ("quantity" * "price") DESC', "LIMIT 1"]),
    ("largest single trade this year", ['"trade_id"', 'ORDER BY ("quantity" * "price") DESC', "LIMIT 1"]),
    ("most recently opened account", ['"account_id", "name"', 'ORDER BY "opened_on" DESC', "LIMIT 1"]),
    ("latest trades for AAPL", ['"trade_id"', 'ORDER BY "executed_at" DESC', "LIMIT 10"]),
    ("accounts whose total fees exceed 1000 this year", ['HAVING SUM("trades"."fee") > 1000']),
])
def test_superlatives_about_things_return_the_things(planner, question, fragments):
    assert_planned(planner, question, fragments)


def test_a_number_without_the_thing_asks_back(planner):
    from tradeassist.sql.planner.verify import shape_problems

    plan = planner.plan("smallest position")
    assert plan.asks.get("thing") and shape_problems(["min_quantity"], plan.asks, planner.catalog)


@pytest.mark.parametrize("question, fragments", [
    # "which <adjective value> <thing>": the thing is the answer, the value filters it
    ("which crypto position has the biggest unrealised loss?", ['"asset_class" = \'crypto\'', "ASC", "LIMIT 1",
                                                                 '"positions"."account_id"']),
    # an adjective between the aggregate and its measure
    ("symbols with an average daily volume above 10 million this year", ['HAVING AVG("volume") > 10000000']),
])
def test_adjectives_do_not_hide_the_thing_or_the_aggregate(planner, question, fragments):
    assert_planned(planner, question, fragments)


@pytest.mark.parametrize("question, fragments", [
    ("who traded the most BTC this year", ['SUM("trades"."quantity")', "'BTC'", "LIMIT 1"]),
    ("how many trading days in 2025", ['COUNT(DISTINCT "date")']),
    ("when was the last trade in DOGE", ['MAX("executed_at")', "'DOGE'"]),
])
def test_what_is_counted_or_summed(route, question, fragments):
    from tradeassist.core.question import Question

    answer = route.answer(Question(question))
    assert not answer.needs_clarification, answer.notices
    for fragment in fragments:
        assert fragment in answer.sql.statement, answer.sql.statement


def test_a_bare_number_between_a_value_and_an_amount_asks_back(planner):
    # trades have a value (notional) and a size (quantity): "over 1000" names neither
    plan = planner.plan("how many trades over 1000")
    assert not plan.ok and plan.options
    assert planner.plan("how many trades over $1000").ok and planner.plan("how many trades over 1000 shares").ok


def test_who_is_a_question_only_at_the_start(planner):
    plan = planner.plan("accounts who opened this year")
    assert plan.ok and plan.intent.table == "accounts" and plan.intent.kind == "rows", plan.sql


def test_the_largest_thing_per_entity_is_its_biggest_value(planner):
    plan = planner.plan("which account made the biggest trade this year")
    assert plan.ok and 'MAX(("trades"."quantity" * "trades"."price"))' in plan.sql, plan.sql


def _conversation(route, *questions):
    from tradeassist.core.question import Question

    asked = Question(questions[0])
    answer = route.answer(asked)
    for text in questions[1:]:
        asked = asked.follow_up(text, answer)
        answer = route.answer(asked)
    return answer


def test_a_pronoun_refers_back_and_a_new_measure_replaces_the_old(route):
    answer = _conversation(route, "how many BTC transfers last week", "what was their total value")
    assert not answer.needs_clarification, answer.notices
    sql = answer.sql.statement
    assert 'SUM("usd_value")' in sql and "'BTC'" in sql and "onchain_transfers" in sql


def test_a_follow_up_may_turn_the_order(route):
    answer = _conversation(route, "top 5 symbols by volume this month", "show me the bottom 5 instead")
    assert not answer.needs_clarification, answer.notices
    assert 'SUM("volume") ASC' in answer.sql.statement and "LIMIT 5" in answer.sql.statement


def test_a_follow_up_with_a_word_it_cannot_use_asks_back(route):
    answer = _conversation(route, "total notional by desk last month", "and excluding the Quant desk")
    assert answer.needs_clarification


@pytest.mark.parametrize("question, fragment", [
    ("worst 3 stocks last month", '"period_return"'),  # best/worst things with no measure: how they performed
    ("which stocks performed worst this quarter", '"period_return"'),
    ("how much ETH did we sell last month", 'SUM("quantity")'),  # "how much <asset>": an amount of it
])
def test_performance_and_amount_words(planner, question, fragment):
    plan = planner.plan(question)
    assert plan.ok and fragment in plan.sql, (plan.clarify, plan.sql)


def test_a_ranking_with_nothing_to_rank_by_asks_back(planner):
    assert not planner.plan("top 5 accounts this year").ok
    assert planner.plan("top 5 accounts by number of orders this year").ok


def test_time_buckets_are_used_or_asked_about(planner):
    plan = planner.plan("trades per day last week")  # how many each day, not a listing
    assert plan.ok and "COUNT(*)" in plan.sql and 'AS "day"' in plan.sql, plan.sql
    # an average of daily totals over timestamped rows is not the average row
    assert "AVG(\"b\".\"total_notional\")" in planner.plan("average daily notional this year").sql
    assert "AVG(\"volume\")" in planner.plan("average daily volume of NVDA last month").sql  # daily rows already
    assert not planner.plan("average daily median fee this year").ok  # a median per day, averaged: not done


def test_fill_ratio_is_a_metric_not_a_percentage_of_rows(planner):
    plan = planner.plan("fill ratio of TSLA orders last month")
    assert plan.ok and 'SUM("filled_quantity") / SUM("quantity")' in plan.sql, plan.sql


@pytest.mark.parametrize("question, fragments", [
    ("average number of trades per day this month", ['AVG("b"."trade_count") AS "trade_count_per_day"',
                                                     'GROUP BY CAST("executed_at" AS DATE)']),
    ("average daily notional this year", ['AVG("b"."total_notional")', 'SUM(("quantity" * "price"))']),
    ("avg number of trades per day for each weekday", ['"b"."weekday"', '"weekday_name"']),
])
def test_averages_per_period_average_the_totals(planner, question, fragments):
    assert_planned(planner, question, fragments)


def test_money_metrics_add_up(planner):
    # "cost basis" is quantity x average cost: summed, although its name holds "cost"
    plan = planner.plan("total cost basis by desk")
    assert plan.ok and 'SUM(("positions"."quantity" * "positions"."avg_cost"))' in plan.sql, plan.sql
    assert 'SUM(("quantity" * "avg_cost"))' in planner.plan("cost basis of AAPL positions").sql


def test_a_number_is_never_compared_with_text(planner):
    plan = planner.plan("transfers of more than 100 coins")
    assert plan.ok and '"amount" > 100' in plan.sql and '"symbol" > 100' not in plan.sql, plan.sql


def test_the_largest_holding_is_a_position_ranked_by_value(planner):
    plan = planner.plan("what is our largest holding")
    assert plan.ok and '"account_id", "symbol"' in plan.sql and "DESC" in plan.sql and "LIMIT 1" in plan.sql, plan.sql
    measure = planner.plan("highest price TSLA traded at this year")  # a measure's superlative, no thing asked
    assert measure.ok and 'MAX("price")' in measure.sql and not measure.asks


def test_a_share_of_a_measure_is_weighted_by_it(planner):
    plan = planner.plan("what percentage of notional traded last month was crypto")
    assert plan.ok and 'SUM(("trades"."quantity" * "trades"."price"))' in plan.sql, plan.sql
    rows = planner.plan("What share of orders were filled, in percent?")  # "share" itself is no weight
    assert rows.ok and "COUNT(*)" in rows.sql, rows.sql


def test_most_of_rows_asks_what_is_counted(planner):
    assert not planner.plan("what did the Quant desk trade most this month").ok


def test_money_verbs_need_money(planner):
    # "spends" is about money: a count of accounts is not an answer
    assert not planner.plan("which desk spends the most").ok
    assert planner.plan("how much did we pay in fees last quarter").ok


def test_values_side_by_side_are_counted(planner):
    plan = planner.plan("buys vs sells this month")
    assert plan.ok and "COUNT(*)" in plan.sql and 'GROUP BY "side"' in plan.sql, plan.sql


def test_a_lower_case_word_of_a_longer_name_is_no_name(planner):
    # "rate" is one word of the account "Rates and Indices": no filter on that account
    plan = planner.plan("what is the fee rate of trades")
    assert not plan.ok and "account_id" not in (plan.sql or "")
    assert '"account_id" = 8' in planner.plan("trades of the global macro book").sql  # the whole name links


def test_how_many_entities_did_something_counts_distinct_entities(planner):
    plan = planner.plan("how many accounts traded BTC this year")
    assert plan.ok and 'COUNT(DISTINCT "account_id")' in plan.sql and "FROM trades" in plan.sql, plan.sql
    assert 'COUNT(*)' in planner.plan("how many accounts are on the Quant desk").sql


def test_periods_are_compared_only_when_the_question_sets_them_side_by_side(planner):
    assert not planner.plan("average close of AAPL in 2025 since March").ok  # narrows to nothing: ask
    assert not planner.plan("close of AAPL in 2025 and 2024").ok  # a level per period: which one?
    assert planner.plan("average close of AAPL in 2025 vs 2024").ok
