"""政策找企业: policies, reward items and the rules that match them to 市场主体."""
