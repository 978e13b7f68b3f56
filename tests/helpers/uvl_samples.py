"""A small UVL model exercising names, attributes, cardinalities and formulas."""

SAMPLE = """\
namespace Shop // a comment
/* a block
   comment */
features
\tShop {abstract}
\t\tmandatory
\t\t\t"Pay ment" {abstract true, doc "odd, {chars} \\\\ here"}
\t\t\t\talternative
\t\t\t\t\tCard
\t\t\t\t\tcard
\t\t\t\t\tCash {abstract false}
\t\toptional
\t\t\tExtras
\t\t\t\t[2..3]
\t\t\t\t\tGift
\t\t\t\t\tWrap
\t\t\t\t\tBow
\t\t\t\tor
\t\t\t\t\tFast
\t\t\t\t\tSlow
constraints
\t(Gift | Wrap) => !Cash
\tBow <=> ("Pay ment" &
\t\tFast)
\tCard
"""
