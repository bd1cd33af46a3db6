-- The same as elements.gene: Lua's tables are 1-based.
local a = {0, 0}
local m = {x = 0}
local i = 0
while i < 1000000 do
  a[1] = a[1] + a[2]
  a[2] = i
  m.x = m.x + 1
  i = i + 1
end
print(a[1], a[2], m.x)
