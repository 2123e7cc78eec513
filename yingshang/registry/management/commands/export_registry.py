"""yingshang export_registry --out FILE.xlsx [--district 610302]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from yingshang.core.commands import YingshangCommand
from yingshang.registry import exporter
from yingshang.registry.models import District, Enterprise


class Command(YingshangCommand):
    help = "把企业名录（含资质）导出为 .xlsx，格式与导入格式相同，可直接再导入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="输出文件，如 企业名录.xlsx")
        parser.add_argument("--district", help="只导出一个区县（区划代码或名称）")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件应以 .xlsx 结尾：{out}")
        if not out.parent.is_dir():
            raise CommandError(f"输出目录不存在：{out.parent}")
        enterprises = Enterprise.objects.all()
        if options["district"]:
            key = options["district"]
            district = District.objects.filter(code=key).first() or District.objects.filter(name=key).first()
            if district is None:
                raise CommandError(f"找不到区县：{key}")
            enterprises = enterprises.filter(district=district)
        with tqdm(desc="导出", total=enterprises.count(), unit="行", disable=None) as bar:
            count = exporter.write_registry(enterprises, out, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 家市场主体到 {out}"))
