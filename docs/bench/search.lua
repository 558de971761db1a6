-- Rotates through 2-character name fragments and pinyin initials.
local qs = {"王伟","李娜","张静","刘洋","陈杰","杨磊","黄敏","赵丽","吴军","周婷","徐强","孙艳","马超","朱琳","胡斌","郭敏","何平","林芳","高峰","罗军",
  "zw","lj","wf","cl","yh","zs","lh","wm"}
local enc = function(s) return (s:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end)) end
local i = 0
request = function()
  i = i + 1
  local q = qs[(i % #qs) + 1]
  return wrk.format("GET", "/api/v1/persons?limit=20&q=" .. enc(q), {["Cookie"] = cookie})
end
init = function(args) cookie = args[1] end
