"""Financial metrics: names and synonyms found in questions, formulas, and stated definitions."""

from __future__ import annotations

import pytest

from tradeassist.retrieval.metrics import (Term, definition_formula, evaluate, find_growth, find_metric, lines_named,
                               lookup_line, parse_formula, render, stated_definition, terms_of, years_averaged)


@pytest.mark.parametrize(("question", "metric"), [
    ("What is the FY2021 current ratio?", "current ratio"),
    ("what is the FY2022 unadjusted EBITDA % margin for PepsiCo?", "EBITDA margin"),
    ("What is the FY2022 unadjusted EBITDA less capex for PepsiCo?", "EBITDA less capex"),
    ("3 year average of capex as a % of revenue", "capex as % of revenue"),
    ("average of cost of goods sold as a % of revenue from FY2016 to FY2018", "COGS as % of revenue"),
    ("What is FY2018 days payable outstanding (DPO)?", "days payable outstanding"),
    ("Is the company capital intensive based on FY 2022 data?", "capital intensity"),
    ("What was the effective tax rate in FY2020?", "effective tax rate"),
])
def test_metrics_found_by_their_names(question, metric):
    assert find_metric(question).name == metric


@pytest.mark.parametrize(("question", "line"), [
    ("What is the FY2016 COGS for Microsoft?", "cogs"),
    ("how much total current assets did Nike have at the end of FY2019?", "current_assets"),
    ("What is the FY2021 capital expenditure amount (in USD billions)?", "capex"),
    ("the FY2020 purchases of property, plant and equipment", "capex"),
    ("FY2019 cost of revenue", "cogs"),
])
def test_lookups_name_one_line_by_any_synonym(question, line):
    assert lookup_line(question).key == line


def test_two_lines_named_is_no_lookup():
    assert lookup_line("total current assets and total current liabilities in FY2021") is None
    # The longer name wins over the shorter one inside it.
    assert [line.key for line in lines_named("total current liabilities")] == ["current_liabilities"]


def test_formulas_parse_evaluate_and_render():
    tree = parse_formula("365 * avg(accounts_payable, accounts_payable[-1]) / (cogs + inventory - inventory[-1])")
    assert terms_of(tree) == [Term("accounts_payable"), Term("accounts_payable", -1), Term("cogs"),
                              Term("inventory"), Term("inventory", -1)]
    values = {("accounts_payable", 0): 46092, ("accounts_payable", -1): 41433, ("cogs", 0): 373396,
              ("inventory", 0): 43783, ("inventory", -1): 43046}
    result = evaluate(tree, lambda term: values[(term.key, term.offset)])
    assert round(result, 2) == 42.69
    assert render(tree, lambda term: f"{term.key}{term.offset or ''}").startswith("365 * average(")
    # "+" with a zero right operand does not divide by it.
    assert evaluate(parse_formula("cash + opt(short_term_investments)"),
                    lambda term: 5.0 if term.key == "cash" else 0.0) == 5.0
    cagr = parse_formula("(revenue / revenue[-2]) ^ (1 / 2) - 1")
    assert round(evaluate(cagr, lambda term: 121.0 if term.offset == 0 else 100.0), 4) == 0.1


@pytest.mark.parametrize("formula", ["revenue +", "revenue / (cogs", "dividends / revenue", "opt(1)"])
def test_malformed_formulas_are_refused(formula):
    with pytest.raises(ValueError):
        parse_formula(formula)


@pytest.mark.parametrize(("question", "year", "formula"), [
    ("Inventory turnover ratio is defined as: (FY2019 COGS) / (average inventory between FY2018 and FY2019). "
     "Round your answer to two decimal places.", 2019, "( cogs[0] ) / ( avg( inventory[-1] , inventory[0] ) )"),
    ("Define net working capital as total current assets less total current liabilities. Answer in USD millions.",
     2021, "current_assets[0] - current_liabilities[0]"),
    ("DPO is defined as: 365 * (average accounts payable between FY2017 and FY2018) / (FY2018 COGS + change in "
     "inventory between FY2017 and FY2018).", 2018,
     "365 * ( avg( accounts_payable[-1] , accounts_payable[0] ) ) / ( cogs[0] + ( inventory[0] - inventory[-1] ) )"),
    ("Define unadjusted EBITDA as unadjusted operating income + depreciation and amortization [from cash flow "
     "statement].", 2022, "operating_income[0] + d_and_a[0]"),
])
def test_stated_definitions_become_formulas(question, year, formula):
    definition = stated_definition(question)
    assert definition is not None
    assert definition_formula(definition.body, year) == formula


def test_a_definition_with_an_unknown_word_is_not_guessed():
    definition = stated_definition("Define cash conversion as operating cash flow divided by adjusted widgets.")
    assert definition_formula(definition.body, 2020) is None


def test_growth_and_averages_read_from_the_question():
    assert find_growth("What is the 2 year total revenue CAGR from FY2020 to FY2022?") == ("revenue", "cagr")
    assert find_growth("What was net sales growth in FY2021?") == ("revenue", "growth")
    assert years_averaged("What is the FY2018 - FY2020 3 year average of capex") == 3
    assert years_averaged("three year average of cost of goods sold") == 3
    assert years_averaged("the FY2020 current ratio") == 1


def test_a_share_of_one_line_in_another_needs_a_line_on_each_side():
    from tradeassist.retrieval.metrics import share_of

    assert share_of("What is FY2021 SG&A as a % of net sales?") == ("sga", "revenue")
    assert share_of("research and development as a percentage of total revenues in FY2020") == (
        "research_development", "revenue")
    assert share_of("Did wages expense as a percent of net sales increase in FY2023?") is None


def test_numerator_and_denominator_named_in_the_question_are_its_definition():
    definition = stated_definition("What was the FY2021 interest coverage using FY2021 operating income as the "
                                   "numerator and interest expense as the denominator?")
    assert definition_formula(definition.body, 2021) == "( operating_income[0] ) / ( interest_expense[0] )"


def test_a_defined_line_is_substituted_at_each_year_and_a_percent_scale_removed():
    from tradeassist.retrieval.metrics import defined_line, substitute_line, without_percent_scale

    assert defined_line("unadjusted operating income").key == "operating_income"
    assert defined_line("widgets") is None
    assert (substitute_line("net_income / avg(equity, equity[-1])", "equity", "total_assets - d_and_a")
            == "(net_income / avg((total_assets - d_and_a), (total_assets[-1] - d_and_a[-1])))")
    assert substitute_line("current_assets - current_liabilities", "revenue", "cogs") is None
    assert without_percent_scale("gross_profit[0] / revenue[0] * 100") == "(gross_profit / revenue)"
    assert without_percent_scale("gross_profit / revenue") is None
