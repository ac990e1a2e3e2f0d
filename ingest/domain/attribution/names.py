"""The names people read for the conversions, models and groupings of attribution (the
Attribution page, the campaign page, dashboards)."""

CONVERSION_NAMES = {
    "contact_create": "Contact creation",
    "deal_create": "Deal creation",
    "revenue": "Revenue (deals won)",
}
MODEL_NAMES = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped",
    "w_shaped": "W-shaped",
    "full_path": "Full path",
    "time_decay": "Time decay",
    "j_shaped": "J-shaped",
    "inverse_j": "Inverse J",
}
GROUPING_NAMES = {
    "source": "Source",
    "medium": "Medium",
    "campaign": "Campaign",
    "source_medium": "Source / medium",
    "channel": "Channel",
}
