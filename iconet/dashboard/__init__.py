"""The home page: the dashboard's panels, the network's trends, the bar charts of figures."""
