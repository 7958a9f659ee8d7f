"""Create an Anki desktop base folder with one profile, so that Anki starts without its first-run dialogs.

python make_profile.py BASE PROFILE light|dark
"""

import sys
from pathlib import Path

from aqt.profiles import ProfileManager
from aqt.theme import Theme

base, profile, theme = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
manager = ProfileManager(ProfileManager.get_created_base_folder(str(base)))
manager.setupMeta()
manager.create(profile)
manager.set_theme(Theme.DARK if theme == "dark" else Theme.LIGHT)
manager.meta["firstRun"] = False
manager.setLang("zh_CN")  # also saves the rest of the global settings
