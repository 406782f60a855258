/**
 * The whole page in Chinese, end to end, as a zh-CN browser opens it: write with the shipped model,
 * drop a text on the Train tab and train a tiny model a few steps, then find it saved under Models.
 * Each tab is read for Chinese labels, and for English labels that would have slipped through.
 */
import { expect, test, type Page } from '@playwright/test';

test.use({ locale: 'zh-CN' });

/** Labels of the page in English (the tabs' own words, not a model's output nor a name): none may show in Chinese. */
const ENGLISH_LABELS = [
  'Write', 'Train', 'Models', 'How it works', 'Generate', 'Prompt', 'temperature', 'seed', 'Training text', 'Drop text files', 'choose files', 'Paste text',
  'Tokenizer', 'Characters', 'Model and recipe', 'Quick look', 'Advanced', 'layers', 'heads', 'channels', 'block size', 'batch', 'steps', 'learning rate',
  'warmup', 'parameters', 'needs', 'weights', 'gradients', 'Start training', 'Model name', 'Pause', 'Resume', 'Stop', 'Done', 'Saved in this browser',
  'Loss', 'loss', 'train', 'val', 'step', 'Samples', 'Attention while', 'Kept in this browser', 'Import model', 'Model URL', 'Load from URL', 'shipped with',
  'in use', 'Use', 'Rename', 'Download', 'Delete', 'trained', 'characters', 'No saved models', 'Waiting',
];

/** The English labels found in the open tab's panel (its visible text, word by word). */
async function englishIn(page: Page): Promise<string[]> {
  const text = await page.getByRole('tabpanel').innerText();
  return ENGLISH_LABELS.filter((w) => new RegExp(`(^|[^A-Za-z])${w.replace(/ /g, '\\s+')}([^A-Za-z]|$)`).test(text));
}

/** A training text in Chinese only, so the samples and the model's name hold no English either. */
function chineseCorpus(): string {
  const lines = ['猫坐在垫子上。', '狗在阳光下奔跑。', '我们喜欢喝绿茶。', '今晚的月亮很亮。', '小鸟在树上唱歌。'];
  let s = '';
  for (let i = 0; s.length < 4000; i++) s += `${lines[i % lines.length]}\n`;
  return s;
}

test('opens in Chinese, writes, trains a tiny model on a dropped text, and finds it under 模型: Chinese labels on every tab, no English ones', async ({ page }) => {
  test.setTimeout(360_000);
  await page.goto('./');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { name: 'GPT 游乐场' })).toBeVisible();
  await expect(page.getByTestId('model-status')).toContainText('Shakespeare', { timeout: 90_000 });
  await expect(page.getByTestId('model-status')).toContainText('模型');

  // 写作: the labels, then a generation with the shipped model.
  await expect(page.getByLabel('提示词')).toBeVisible();
  expect(await englishIn(page)).toEqual([]);
  await page.getByLabel('词元数').fill('20');
  await page.getByRole('button', { name: '生成', exact: true }).click();
  await expect(page.getByTestId('speed')).toContainText('20 个词元', { timeout: 90_000 });

  // 训练: drop a text file on the drop zone (a real drop event carrying the file).
  await page.getByRole('tab', { name: '训练' }).click();
  await expect(page.getByRole('heading', { name: '1. 训练文本' })).toBeVisible();
  await expect(page.getByRole('button', { name: '开始训练' })).toBeDisabled(); // no text yet
  expect(await englishIn(page)).toEqual([]);
  const corpus = chineseCorpus();
  const drop = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], '中文短句.txt', { type: 'text/plain' }));
    return dt;
  }, corpus);
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: drop });
  const summary = page.getByTestId('corpus-summary');
  await expect(summary).toContainText('中文短句.txt');
  await expect(summary).toContainText('不同字符数');
  await expect(page.getByTestId('vocab-size')).toHaveText(String(new Set(corpus).size));

  // A tiny recipe, set through the Chinese labels (as helpers.ts tinyRecipe does in English).
  await page.getByText('高级设置', { exact: true }).click();
  for (const [label, v] of [['层数', 1], ['头数', 2], ['通道数', 32], ['上下文长度', 32], ['批量', 4], ['步数', 30], ['评估间隔', 15], ['预热步数', 5]] as const) {
    await page.getByLabel(label, { exact: true }).fill(String(v));
  }
  await expect(page.getByTestId('memory-plan')).toContainText('参数');
  await expect(page.getByTestId('memory-plan')).toContainText('显存');
  // A value out of range is said in Chinese, and Start waits for a good one.
  await page.getByLabel('dropout', { exact: true }).fill('1');
  await expect(page.getByTestId('plan-problem')).toHaveText('dropout必须不小于 0 且小于 1，现在是 1。');
  await expect(page.getByRole('button', { name: '开始训练' })).toBeDisabled();
  await page.getByLabel('dropout', { exact: true }).fill('0');
  await expect(page.getByTestId('plan-problem')).toBeHidden();
  await page.getByLabel('模型名称').fill('中文小模型');

  await page.getByRole('button', { name: '开始训练' }).click();
  await expect(page.getByTestId('train-status')).toContainText('完成：30 步（已完成）', { timeout: 240_000 });
  await expect(page.getByTestId('train-status')).toContainText('“中文小模型”');
  await expect(page.getByTestId('train-progress')).toContainText('第 30 / 30 步');
  await expect(page.getByTestId('train-progress')).toContainText('每秒');
  await expect(page.getByTestId('training-sample').first()).toContainText('验证损失');
  await expect(page.getByRole('heading', { name: '损失', exact: true })).toBeVisible();
  await expect(page.getByTestId('model-status')).toContainText('中文小模型');
  expect(await englishIn(page)).toEqual([]);

  // 模型: the new model is saved in this browser, in use, described in Chinese.
  await page.getByRole('tab', { name: '模型' }).click();
  await expect(page.getByRole('heading', { name: '模型', exact: true })).toBeVisible();
  await expect(page.getByTestId('storage')).toContainText('保存在这个浏览器里');
  const row = page.getByTestId('library-row').filter({ hasText: '中文小模型' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('训练所得');
  await expect(row).toContainText('使用中');
  await expect(row.getByRole('button', { name: '重命名' })).toBeVisible();
  await expect(page.getByTestId('library-row').filter({ hasText: '页面自带' }).getByRole('button', { name: '使用' })).toBeVisible();
  expect(await englishIn(page)).toEqual([]);
  // The check can fail: the same tab in English shows its labels at once.
  await page.getByTestId('language').selectOption('en');
  expect(await englishIn(page)).toEqual(expect.arrayContaining(['Models', 'Kept in this browser', 'in use', 'Use', 'Rename', 'Download', 'Delete', 'trained']));
  await page.getByTestId('language').selectOption('zh');
  await expect(row).toContainText('训练所得');

  // Back to 写作: the trained model writes the text's characters.
  await page.getByRole('tab', { name: '写作' }).click();
  await page.getByLabel('提示词').fill('猫');
  await page.getByRole('button', { name: '生成', exact: true }).click();
  await expect(page.getByTestId('speed')).toContainText('20 个词元', { timeout: 90_000 });
});
