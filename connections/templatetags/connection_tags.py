from django import template

register = template.Library()


@register.inclusion_tag("connections/_dot.html")
def color_dot(color):
    """A database's colour dot: `{% color_dot connection.color %}`."""
    return {"color": color}
