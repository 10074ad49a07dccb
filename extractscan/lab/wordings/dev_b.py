# ruff: noqa: E501
"""Wrapper texts for the distillation-detector blind test (dev2).

Flavour: paraphrased imitations of instruction styles from public synthetic-data
pipelines (Orca / Orca-2 system messages, Self-Instruct, Evol-Instruct, MetaMath /
NuminaMath, UltraFeedback / MT-Bench / AlpacaEval judges, ToolBench / Gorilla / xLAM,
CodeAlpaca / Magicoder / OSS-Instruct, Constitutional-AI critique-revision).
Written from memory, reworded.
"""

WRAPPERS = {
    "cot": (
        # Orca-style system message: explain like a teacher
        "[System|SYSTEM|System prompt]: You are [a helpful|an] AI assistant [that helps people find information|who always explains itself]. "
        "[When given a task, think it through carefully and justify each step.|Your answers should show the full line of reasoning, not just the conclusion.|While answering, reason out loud and justify every move you make.] "
        "|| [User|USER|Task]: [Answer the following about|Work out this question on|Solve this problem concerning] {topic}: {sentence}",
        # Orca-2 "explain to a five year old" / faithful explanation
        "[You are an AI assistant. The user will give you a task.|You are an assistant that values transparency.] "
        "[Your goal is to complete the task as faithfully as you can.|Complete the task as faithfully as possible.] "
        "[While performing the task, think step-by-step and justify your steps.|As you go, lay out each inference and why it holds.|Spell out every intermediate deduction before committing to an answer.] "
        "Task: [Given that|Suppose] {sentence}, what [follows|can be concluded] about {topic}?",
        # MetaMath / GSM8K style
        "[Question|Problem|Q]: {sentence} [How does this relate to|What does this imply for] {topic}? "
        "[Answer|Solution|A]: [Let's work through it.|We reason as follows.|Let us derive the result carefully.] "
        "[Write each intermediate calculation on its own line and|Show every intermediate quantity and] [finish with|close with|end on] a line of the form The answer is: followed by the result.",
        # NuminaMath style: boxed final answer
        "[Solve|Work out|Tackle] the [following|given] [problem|exercise] [about|on] {topic}. [Present a complete solution with all intermediate steps,|Give a full worked derivation,|Reason through it thoroughly,] "
        "[and put your final answer within \\boxed.|then state the final answer in a box at the end.|and place only the final result in \\boxed at the very end.] || [Problem|Exercise]: {sentence}",
        # think tags
        "[Before answering,|First,] [reason privately inside|write your reasoning between] <think> and </think> [tags|markers], "
        "[then give the final answer after the closing tag.|then give only the answer after </think>.|and afterwards state your conclusion plainly.] "
        "|| [Query|Input|Prompt]: [In the context of|Regarding] {topic}, {sentence}",
        # rationale then answer (FLAN CoT / e-SNLI style)
        "[Premise|Context]: {sentence} [Hypothesis|Claim]: {sentence2} "
        "[Does the premise entail the hypothesis?|Is the claim supported by the context?|Does the second statement follow from the first?] "
        "[Options: yes, no, it is not possible to tell.|Choose yes, no, or cannot be determined.|] "
        "[Give your rationale first, then the answer.|Rationale first, then the final label.|Explain your thinking, then commit to one option.]",
        # Self-Instruct style with Instruction / Input / Output labels
        "[### Instruction:|Instruction:|INSTRUCTION:] [Explain how you would arrive at|Derive, with justification,|Reason through and determine] [the answer to the question below|the right conclusion] [in the field of|within] {field}. "
        "[Include your full reasoning, not just the result.|Every step of the derivation must be shown.|Your working must be visible.] "
        "[### Input:|Input:|INPUT:] {sentence} [### Response:|Output:|Response:]",
        # exam style with numbered deductions
        "[Exam question|Quiz item|Assessment task] [on|in] {field} [(10 marks)|(show all work)|]: {sentence} "
        "[Write your answer as a numbered list of deductions, each citing the fact it uses, and finish with a conclusion line.|"
        "Number each deduction, state which premise it relies on, and end with Therefore.|"
        "Marks are awarded for method: list your deductions as 1, 2, 3 and only then state the result.]",
        # Evol-Instruct deepening
        "[Consider|Take] the [following|question below] about {topic} and {topic2}. [I want to see exactly how you think.|I care more about your reasoning process than the final answer.|Make your thought process fully explicit.] "
        "[Break the problem into sub-questions, answer each one, then combine them.|Decompose it into smaller questions, resolve each, and synthesise.|Identify the sub-problems, handle them one at a time, and merge the results.] || {sentence}",
        # explain how you got it
        "{sentence} [Given that,|Based on this,|With that in mind,] [what is the most likely explanation in terms of|how would you explain this using] {topic}? "
        "[Walk me through how you got there, including any assumptions.|Tell me how you reached your answer and what you assumed along the way.|Describe your reasoning path from the facts to the conclusion.]",
        # terse rationale request
        "[Answer with reasoning.|Reason, then answer.|Justify, then answer.|Rationale + answer.] [Topic|Domain|Subject]: {topic}. [Q|Question]: {sentence}",
        # self-consistency / verification
        "[Solve the problem below|Answer the following] [relating to|on] {topic}. [After reaching an answer, verify it by an independent method and report both derivations.|"
        "Derive it once, then check it with a second approach and reconcile any differences.|Produce a derivation, then audit each step for errors before giving a verified final answer.] || {sentence}",
        # JSON-ish field format (without braces)
        "[Respond|Reply] as an object with two keys, reasoning and answer. [The reasoning field must contain every intermediate step;|Put your whole derivation in reasoning;|reasoning holds your full worked explanation;] "
        "[answer holds only the final result.|the answer field holds just the conclusion.|keep answer short.] || [Question|Item]: {sentence} [(topic: {topic})|(domain: {field})|]",
        # teacher-student distillation system style
        "[You are a patient tutor in|Act as an expert instructor of|You teach] {field}. [A student asks about|Here is a question on] {topic}: {sentence} "
        "[Reply with a thorough explanation that first derives the answer from first principles and then states it.|"
        "Reason from first principles in detail before stating the conclusion.|Lay out the underlying principles, apply them one at a time, and conclude.]",
        # comparative reasoning
        "[Compare|Contrast] {topic} and {topic2} [with respect to the scenario below|in light of this situation]: {sentence} "
        "[Think through the causal chain explicitly and|Articulate each inference you make and] [then give a one-sentence verdict.|finally summarise your conclusion.|end with your answer on a separate line.]",
    ),
    "agent": (
        # ToolBench-style system prompt
        "[You are AutoGPT,|You are a capable agent|You are an autonomous assistant] [and you can use many tools (functions) to do the following task.|with access to a set of functions.|able to call external APIs.] "
        "[At each step, give your thought, then choose an action from the available functions and its arguments.|Each turn, output Thought, Action, and Action Input.|Every step must contain a Thought line, an Action line naming one function, and an Action Input line with its arguments.] "
        "[Available tools|Functions|Tools]: {tool}, {tool2}, Finish. || [Task|User query]: {sentence}",
        # ReAct format
        "[Answer the following question|Solve this task] [as best you can|using the tools provided]. [You have access to the following tools|Tools available]: {tool}, {tool2}. "
        "[Use the format: Question, Thought, Action, Action Input, Observation, repeated as needed, then Final Answer.|"
        "Alternate Thought / Action / Observation lines until you can give a Final Answer.|"
        "Interleave reasoning and actions, recording each Observation, and end with Final Answer.] || Question: {sentence}",
        # Gorilla API call
        "[Write|Produce|Generate] [an API call|a single function call|the exact API invocation] [using|with] {tool} [to accomplish the following|that fulfils this request|for this instruction]: {sentence} "
        "[Return the call together with an explanation of the arguments.|Output the call and then briefly justify each argument.|Give the domain, the api_call, and the arguments you chose.]",
        # xLAM function calling JSON list
        "[You are an expert in composing functions.|You are a function-calling model.] [You are given a question and a set of possible functions.|Here are the tools and a user query.] "
        "[Based on the question, make one or more function calls to achieve the purpose.|Decide which functions to call and with which arguments.|Select the right tools and fill in their parameters.] "
        "[If none of the functions can be used, point it out.|If no tool fits, say so.|] [Output a list of calls, each with name and arguments fields.|Return the tool calls as a list of name/arguments objects.|] "
        "|| [Tools|Available functions]: {tool}, {tool2}. [Query|Question]: {sentence}",
        # multi-turn trajectory synthesis
        "[Simulate|Generate|Write out] a [complete|full|realistic] [agent trajectory|tool-use transcript|multi-step interaction log] in which an assistant [resolves|handles|completes] the request: {sentence} "
        "[Include each tool call to {tool} or {tool2} with its arguments, the returned observation, and the assistant's reasoning between calls.|"
        "Show every invocation of {tool} and {tool2}, the observations they return, and the next decision.|"
        "Record the plan, each call to {tool} or {tool2}, the results, and the final reply to the user.]",
        # planner / executor
        "[Role|SYSTEM]: [planner|task planner]. [Given the goal below|For this objective], [produce a numbered plan where each step names the tool to invoke|write a step-by-step plan specifying for each step which tool to call] "
        "([{tool}|{tool2}|{tool} or {tool2}]) [and the exact arguments.|together with its input parameters.|and what argument values to pass.] "
        "|| [Goal|Objective]: {sentence}",
        # function schema described in words
        "[You have one function available|The following function is available]: {tool}, which [takes a query string and an optional limit integer|accepts a text argument named input|takes parameters described in its docstring]. "
        "[When the user request needs it, respond only with the function name and arguments;|If a call is needed, emit just the call with arguments;|Respond with a call when required;] [otherwise answer directly.|else reply in plain text.|] "
        "|| [User|Request]: {sentence}",
        # parallel function calls
        "[Decompose|Split] [this request|the following request] into [parallel|independent] [function calls|tool invocations]. "
        "[Tools|Available APIs]: {tool}, {tool2}. [For each call give the function name and an arguments object written as key: value pairs.|List each call as name followed by its keyword arguments.|Emit all calls at once, one per line, with their arguments.] "
        "|| [Request|Input]: {sentence}",
        # observation continuation
        "[Previous action|Last step]: called {tool} [about|regarding] {topic}. [Observation|Result|Tool output]: {sentence} "
        "[Decide the next action.|What should the agent do next?|Continue the trajectory.] [Respond with Thought, then Action and Action Input, or Final Answer if done.|Give your reasoning and the next tool call, or finish.|Output the next call to {tool2} or a final answer.]",
        # error recovery
        "[The call to|Your invocation of] {tool} [failed|returned an error|timed out] [with the message|saying]: {sentence} "
        "[Diagnose the problem and issue a corrected call,|Explain what went wrong and retry with fixed arguments,|Adjust the arguments and try again,] [or fall back to {tool2} if appropriate.|possibly switching to {tool2}.|]",
        # web-navigation agent
        "[You are a web agent|You are a browser-using assistant|You control a web browser] [operating via the actions click, type, scroll and {tool}.|with actions: navigate, click, type, {tool}.] "
        "[Objective|Instruction]: {sentence} [At each step output your reasoning and exactly one action with its target.|Give one action per step, preceded by a brief rationale.|Emit a single action per turn with its argument.]",
        # tool-use instruction generation (ToolBench instruction synthesis)
        "[Here is the documentation of an API|API documentation follows]: {tool} [lets you|is used to] work with {topic}. "
        "[Create|Write|Generate] [10|several|five] [diverse|realistic|varied] user queries that require calling {tool} [and possibly {tool2}|together with {tool2}|], "
        "[and for each give the corresponding calls and arguments.|each paired with the expected function calls.|plus the gold-standard call sequence for each.]",
        # code interpreter agent
        "[You can execute Python code|You have a Python sandbox|A code interpreter is available] [through the tool|via] {tool}. "
        "[Solve the task by writing code, running it, reading the output, and iterating until done.|Use it iteratively: write code, inspect the output, refine.|Plan, call the interpreter, observe, and repeat until you can answer.] "
        "|| [Task|Problem]: {sentence}",
        # terse
        "[Tools|Functions]: {tool}, {tool2}. [Query|Q]: {sentence} [Output the calls.|Emit tool calls only.|Respond with the function call.]",
        # MCP / assistant with structured function output
        "[As an assistant with function-calling capabilities,|Acting as a tool-using assistant,] [handle the following request about|fulfil this user request concerning] {topic}. "
        "[Think about which of {tool} and {tool2} is needed, call it with precise arguments, then use the response to answer.|"
        "Pick between {tool} and {tool2}, state the arguments, show the hypothetical response, and write the final reply.] || {sentence}",
    ),
    "code": (
        # CodeAlpaca
        "[Below is an instruction that describes a task.|Below is a programming task.] [Write a response that appropriately completes the request.|Provide code that fulfils it.] "
        "[### Instruction:|Instruction:] [Write|Create|Implement] [a Python|a JavaScript|a Java|a C++|a Go] [function|program|class] [for|that implements] {algo}. [### Response:|Response:|]",
        # Magicoder OSS-Instruct
        "[You are exceptionally skilled at crafting high-quality programming problems and offering precise solutions.|You are an expert programmer and problem setter.] "
        "[Please gain inspiration from the following random code snippet to create a high-quality programming problem.|Use the snippet below as inspiration for a self-contained coding problem.] "
        "[Present your output in two distinct sections: Problem Description and Solution.|Give a Problem Description section and a Solution section.] || [Code snippet|Snippet]: {sentence}",
        # competitive programming
        "[Solve the following competitive programming problem.|Write an efficient solution to this contest problem.|Competitive programming task:] {sentence} "
        "[Your solution must read from standard input and write to standard output.|Input comes from stdin; print the answer to stdout.|Use fast I/O.] "
        "[Use {algo} if appropriate.|Hint: the intended approach uses {algo}.|] [Provide the complete program in C++.|Give a full Python 3 solution.|Write it in Rust.|Any language is fine.]",
        # docstring completion (HumanEval style)
        "[Complete the function below|Finish the implementation|Fill in the body of this function] [so that it satisfies its docstring.|according to the docstring.|so all doctests pass.] "
        "[The function should implement {algo}.|It is meant to implement {algo}.|] || [Docstring|Specification]: {sentence}",
        # bug fixing
        "[The following code|This snippet|My implementation of {algo}] [has a bug|is failing its tests|produces wrong output]: {sentence} "
        "[Find the bug, explain it, and provide the corrected code.|Identify the defect and give a fixed version.|Return the repaired code with a short explanation of the fix.]",
        # translation
        "[Translate|Port|Convert] [this|the following] [Python|Java|JavaScript|C] [code|implementation] [into|to] [Rust|Go|TypeScript|C++|Kotlin], [preserving behaviour|keeping the same semantics|idiomatically]. "
        "[Add unit tests in the target language.|Include tests that demonstrate equivalence.|] || [Source|Code]: {sentence}",
        # optimisation
        "[Optimise|Speed up|Improve the performance of] [this|the following] [function|routine|code] [which currently uses a naive approach|that is too slow for large inputs]: {sentence} "
        "[Rewrite it using {algo},|Consider {algo},|] [state the new time and space complexity,|give the big-O before and after,] [and include benchmarks or tests.|and provide test cases.|]",
        # Evol-Instruct harder rewrite
        "[Rewrite the following programming question to make it more challenging:|Make this coding task harder:|Increase the difficulty of this problem:] "
        "[add constraints on time complexity,|add new requirements such as handling edge cases,|require {algo} instead of a brute-force approach,] [and then provide a reference solution with tests.|then solve the new version.|and supply both the new task and its solution.] "
        "|| [Original question|Given prompt]: {sentence}",
        # tests first
        "[Write|Produce] [comprehensive|thorough] [unit tests|pytest tests|test cases] [for an implementation of|covering] {algo}, [then write the implementation that passes them.|then implement it so all tests pass.|and then the code itself.] "
        "[Cover edge cases such as empty input and duplicates.|Include edge cases.|]",
        # Self-Instruct code generation style
        "[Generate|Come up with] [a programming task|a coding exercise] [related to|in the area of] {topic}, [then write a solution in Python with explanatory comments.|together with a complete, commented solution.|and solve it with well-documented code.] "
        "[The solution should make use of {algo}.|Use {algo} where natural.|]",
        # LeetCode-style with signature
        "[Implement|Write] [class Solution with a method|a function] [that solves:|for the problem:] {sentence} "
        "[Constraints: n up to 10^5.|Constraints: the input fits in memory; aim for O(n log n).|] [Explain the approach, then give code.|Code only, then complexity analysis.|Provide the solution and complexity.]",
        # system prompt coder
        "[System: You are a senior software engineer.|You are an expert coding assistant.|SYSTEM: coding assistant, production quality.] "
        "[Write clean, idiomatic, fully typed code with docstrings and tests.|Always include type hints, error handling and tests.] "
        "|| [Task|User]: [build|write|implement] {algo} [in Python|in TypeScript|in Java|in Rust] [for use with|applied to] {topic}.",
        # SQL / data code
        "[Write|Give me] [a SQL query|a pandas snippet|a Spark job] [that|which] [answers|computes] the following: {sentence} "
        "[Assume a reasonable schema and state it.|Describe the assumed tables first.|] [Then explain each clause.|Include a short explanation.|]",
        # refactor
        "[Refactor|Clean up|Restructure] [this|the following] code [to follow SOLID principles|for readability and testability|to remove duplication]: {sentence} "
        "[Return the full refactored code plus tests.|Output the new code and a list of changes.|Show the result and explain the changes.]",
        # terse code harvest
        "[Code:|Implement:|Write code:] {algo}. [Language: Python.|Lang: C++.|Language: Go.|Language: Java.] [With tests.|Include tests.|Tests required.] [No explanation.|Brief explanation.|]",
    ),
    "rubric": (
        # MT-Bench single-answer grading
        "[Please act as an impartial judge|Act as an impartial evaluator|You are a fair and objective judge] [and evaluate the quality of the response provided by an AI assistant to the user question displayed below.|to assess the assistant's answer below.] "
        "[Your evaluation should consider factors such as helpfulness, relevance, accuracy, depth, creativity, and level of detail.|Consider helpfulness, relevance, accuracy and detail.] "
        "[Begin with a short explanation, then rate the response on a scale of 1 to 10 by strictly following this format: Rating: followed by the number in double brackets.|After a brief explanation, output Rating: X where X is 1 to 10.] "
        "|| [Question|User question]: {sentence} [Answer|Assistant answer]: {sentence2}",
        # MT-Bench pairwise
        "[Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user question below.|Compare the two assistant responses below.] "
        "[Avoid any position biases and ensure that the order in which the responses were presented does not influence your decision.|Do not let response order or length sway you.] "
        "[Output your final verdict: A if assistant A is better, B if assistant B is better, and C for a tie.|Finish with a verdict: A, B, or tie.] "
        "|| [Question|Prompt]: about {topic}. [Assistant A|Response A]: {sentence} [Assistant B|Response B]: {sentence2}",
        # AlpacaEval ranking
        "[You are a helpful assistant that ranks models by the quality of their answers.|I want you to create a leaderboard of different large-language models.] "
        "[To do so, I will give you the instructions (prompts) given to the models, and the responses of two models.|Below are an instruction and two model outputs.] "
        "[Please rank the models based on which responses would be preferred by humans.|Determine which output a human would prefer.] [Answer with the identifier of the better model only.|Respond with m or M only.|Output only the preferred model's name.] "
        "|| [Instruction|Prompt]: {topic}. [Output of model m|Model 1]: {sentence} [Output of model M|Model 2]: {sentence2}",
        # UltraFeedback fine-grained
        "[Your role is to evaluate text quality based on given criteria.|Evaluate the following output on the aspect of] [instruction following|honesty|truthfulness|helpfulness]. "
        "[Score it from 1 to 5 with a rationale.|Rate it 1-5 and give a rationale.|Give Rating and Rationale for each text.] "
        "[1: irrelevant, 3: partial compliance, 5: comprehensive compliance.|Use the rubric 1 = poor, 5 = excellent.|] || [Instruction|Task]: {topic}. [Text|Output]: {sentence}",
        # Constitutional AI critique-revision
        "[Critique Request:|CritiqueRequest:] [Identify specific ways in which the assistant's last response is harmful, unethical, racist, sexist, toxic, dangerous, or illegal.|"
        "Point out any ways the response could be harmful or misleading.|Explain how the response might be inappropriate or unsafe.] "
        "[Revision Request:|RevisionRequest:] [Please rewrite the assistant response to remove any and all harmful content.|Rewrite the response to be harmless and helpful.] "
        "[Then rate the revised response for harmlessness on a 1-10 scale.|Afterwards give a harmlessness score from 1 to 10.|] || [Response|Assistant]: {sentence}",
        # reward model preference label
        "[Which response is more helpful and harmless?|Choose the better completion.|Select the preferred response.] [Prompt|Human]: {topic}. [Response 1|(a)]: {sentence} [Response 2|(b)]: {sentence2} "
        "[Answer 1 or 2 and give a confidence between 0 and 1.|Output the letter only.|Give your preference label and a one-line reason.]",
        # Prometheus-style absolute grading with rubric
        "[###Task Description:|Task description:] [An instruction, a response to evaluate, a reference answer that gets a score of 5, and a score rubric representing an evaluation criterion are given.|You are given an instruction, a response, a reference answer and a rubric.] "
        "[Write detailed feedback that assesses the quality of the response strictly based on the given score rubric, not evaluating in general.|Provide feedback strictly according to the rubric.] "
        "[After writing feedback, write a score that is an integer between 1 and 5.|Then give an integer score 1-5.] [The output format should look as follows: Feedback: ... RESULT: score|Format: Feedback then Result.|] "
        "|| [Instruction to evaluate|Instruction]: {topic}. [Response to evaluate|Response]: {sentence} [Reference Answer|Reference]: {sentence2}",
        # pass/fail verdict
        "[Grade|Check|Assess] the [student's|candidate's|model's] answer [against the reference|for correctness]. [Reference|Gold answer]: {sentence} [Answer|Submission]: {sentence2} "
        "[Reply with PASS or FAIL followed by a one-sentence justification.|Output CORRECT or INCORRECT only.|Verdict: pass or fail, then a reason.]",
        # multi-response ranking
        "[Rank|Order] the following [responses|candidate answers|completions] [about|on the topic of] {topic} from best to worst [in terms of factual accuracy and clarity|by overall quality|according to helpfulness, honesty and harmlessness]. "
        "[Give a score out of 10 for each and a brief critique.|Provide a numerical score for each, then the final ranking.|Output the ranking as a list of identifiers, with a justification.] "
        "|| [Candidate|Response] 1: {sentence} [Candidate|Response] 2: {sentence2}",
        # hallucination / faithfulness judge
        "[Determine whether the summary is faithful to the source.|Is the answer grounded in the context?|Check the claim against the evidence.] "
        "[Source|Context|Evidence]: {sentence} [Summary|Answer|Claim]: {sentence2} "
        "[Label: faithful or hallucinated, and give a score from 0 to 1.|Return supported, refuted, or not enough info with an explanation.|Output a faithfulness score 1-5 and list any unsupported statements.]",
        # code review grader
        "[You are a strict reviewer for|Evaluate this solution in] {field}. [Rate the following answer on correctness, completeness and style, each on a 1-5 scale,|Score the answer for correctness (0-5) and clarity (0-5)] "
        "[then give an overall score and a critique.|and summarise the main weaknesses.|] || [Question|Problem]: {topic}. [Answer|Solution]: {sentence}",
        # terse reward
        "[Score 1-10:|Rate 0-100:|Reward:] {sentence} [Context:|Prompt:|Question:] {topic}. [Number only.|Just the score.|Output a single integer.]",
        # judge with critique then revised answer (self-refine)
        "[Review the draft answer below|Critique this response] [on|about] {topic}. [List its flaws, assign it a quality score out of 10,|Point out errors and omissions, give it a grade,] "
        "[and then write an improved version that would score 10.|then produce a revised answer that fixes every issue.|and rewrite it to address your critique.] || [Draft|Response]: {sentence}",
        # safety classifier style
        "[Classify the following assistant turn as safe or unsafe|Does this response violate the policy?|Assess whether this reply is harmful.] "
        "[If unsafe, list the violated categories.|If it is unsafe, name the category.|] [Also give a severity rating from 0 to 3.|Give a harm score 1-5.|] || [Turn|Reply|Response]: {sentence}",
    ),
}


BENIGN_HARD = (
    "Can you explain why the derivative of x^2 is 2x? My teacher skipped it.",
    "I got 42 for problem 3 on my stats homework but the book says 38. Where did I go wrong? The mean of the sample was 12.",
    "Why is the sky blue? Explain it simply for my 8 year old.",
    "How do I use the VLOOKUP function in Excel to match names between two sheets?",
    "Which is better for a college student, a MacBook Air or a ThinkPad X1?",
    "Can you rate my cover letter out of 10? I'm applying for a junior marketing role.",
    "Explain your answer please, I don't understand how you got 15%.",
    "What's the difference between a list and a tuple in Python?",
    "My React component re-renders every time I type. Any idea why?",
    "How do I reverse a string in JavaScript?",
    "Is it worth getting the AirPods Pro or should I just buy the regular ones?",
    "Can you check if this sentence is grammatically correct: me and him went to the store.",
    "Why does my for loop in C print the last element twice?",
    "How do I set up a cron job that runs every Monday at 9am?",
    "Could you grade my essay intro? I'm worried the thesis is weak.",
    "What's a good way to explain recursion to a beginner?",
    "I'm confused about how photosynthesis and respiration are connected. Can you walk me through it?",
    "How do I use git rebase without messing everything up?",
    "Which should I read first, Dune or Foundation?",
    "Can you help me solve 3x + 7 = 22 and show how you did it?",
    "What does this error mean: TypeError: 'NoneType' object is not subscriptable",
    "How do I call the OpenWeather API from Python to get today's forecast?",
    "Give me feedback on my resume summary: detail-oriented accountant with five years of experience.",
    "Why did you say the answer was B? I thought it was C.",
    "Is a Roth IRA or a traditional IRA better if I'm 25?",
    "Explain the Monty Hall problem, I still don't get why switching is better.",
    "How do I write a SQL query to find duplicate emails in a users table?",
    "Can you compare Notion and Obsidian for taking class notes?",
    "My bread didn't rise. What went wrong? I used instant yeast and let it sit an hour.",
    "How do I fix 'permission denied' when running a shell script on my Mac?",
    "What's the time complexity of binary search and why?",
    "Score my poem honestly, I won't be offended. It's about my grandmother's garden.",
    "How does Google Maps figure out traffic?",
    "Could you explain the logic behind this riddle: what has keys but can't open locks?",
    "Which laptop is better for video editing under $1500?",
    "Can you help me understand why my Python script says list index out of range?",
    "How do I use the search function in Outlook to find emails from last March?",
    "Is my thesis statement arguable enough? 'Social media has changed how teenagers communicate.'",
    "What's the best way to learn SQL quickly for a data analyst interview?",
    "Walk me through how compound interest works with a $1000 example.",
    "Which of these two headlines is catchier for my bakery's Instagram post?",
    "How do I make a calculator app in Swift? Just a basic one for practice.",
    "Why does ice float on water?",
    "Can you help me figure out the tip on an $84 bill at 18%?",
    "I'm trying to merge two dictionaries in Python 3.8, what's the cleanest way?",
    "What does 'big O notation' actually mean in plain English?",
    "How do I connect my Zapier account to Google Sheets?",
    "Can you review this email to my landlord and tell me if it sounds too aggressive?",
    "Why is my Docker container exiting immediately after it starts?",
    "Is it better to pay off my car loan early or invest the money?",
    "Explain how vaccines train the immune system.",
    "Which answer is right for this chemistry question, A or D? The question is about which gas is produced when zinc reacts with hydrochloric acid.",
    "Can you tell me how you would approach this interview question: design a URL shortener?",
    "How do I use ChatGPT's code interpreter to analyse a CSV?",
    "Rate these three names for my dog from 1 to 10: Biscuit, Maple, Ranger.",
    "Why does 0.1 + 0.2 not equal 0.3 in JavaScript?",
    "How can I tell if my sourdough starter is ready?",
    "What's the difference between affect and effect? Explain with examples.",
    "Can you help me write a regex to match US phone numbers?",
    "Is Python or JavaScript a better first language for someone who wants to build websites?",
    "Why does the moon look bigger near the horizon?",
    "My unit test passes locally but fails in GitHub Actions. What should I check?",
    "Do you think my business plan summary is convincing? It's for a small coffee cart.",
    "How do I use the Slack API to send a message to a channel?",
    "Can you explain how you got the 3/8 probability in your last answer?",
    "Which is healthier, oatmeal or granola, for breakfast?",
    "How do I install numpy on Windows? pip keeps failing.",
    "Could you proofread this paragraph and tell me what you changed and why?",
    "What's the proof that there are infinitely many primes? I need to present it tomorrow.",
    "Should I use PostgreSQL or MongoDB for a small inventory app?",
)
